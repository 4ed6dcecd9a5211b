package dev.registryoperator.it;

import dev.registryoperator.RegistryOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.util.Set;

/**
 * The operator as production assembles it (server-side apply on, all namespaces, no leader
 * election), on a client of its own whose requests are logged. The client authenticates as the
 * ServiceAccount {@code deploy/operator/} creates, with that folder's RBAC ({@link
 * OperatorAccount}), so a request the RBAC does not allow fails the test ({@link
 * RealApiServer#refusedByRbac}). Stopping keeps the client, so a restarted operator continues the
 * same log.
 */
final class OperatorUnderTest implements AutoCloseable {

  private final KubernetesClient client;
  private final ApiRequestLog requests;
  private Operator operator;

  private OperatorUnderTest(KubernetesClient client, ApiRequestLog requests) {
    this.client = client;
    this.requests = requests;
  }

  /** Starts the operator; returns once its informers have synced. */
  static OperatorUnderTest start(RealApiServer api) {
    ApiRequestLog requests = new ApiRequestLog();
    KubernetesClient client =
        api.newOperatorClient(http -> http.addOrReplaceInterceptor("it-request-log", requests));
    OperatorUnderTest started = new OperatorUnderTest(client, requests);
    started.startOperator();
    return started;
  }

  ApiRequestLog requests() {
    return requests;
  }

  /** Waits until the operator has written nothing into the namespace for {@code quiet}. */
  void awaitQuiet(TestNamespace namespace, java.time.Duration quiet) {
    TestNamespace.await("the operator to stop writing into " + namespace.name())
        .until(() -> requests.quietFor(namespace.name(), quiet));
  }

  boolean isRunning() {
    return operator != null;
  }

  void stop() {
    if (operator != null) {
      operator.stop();
      operator = null;
    }
  }

  /** A new Operator instance, as after a pod restart: empty caches, fresh informers. */
  void startAgain() {
    if (operator != null) {
      throw new IllegalStateException("the operator is running");
    }
    startOperator();
  }

  private void startOperator() {
    Operator created =
        RegistryOperator.create(client, RegistryOperator.Settings.production(Set.of(), null));
    created.start();
    operator = created;
  }

  @Override
  public void close() {
    stop();
  }
}
