package dev.registryoperator.it;

import dev.registryoperator.RegistryOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The operator as production assembles it (server-side apply on, all namespaces, no leader
 * election), on a client of its own whose requests are logged. The client authenticates as the
 * ServiceAccount {@code deploy/operator/} creates, with that folder's RBAC ({@link
 * OperatorAccount}), so a request the RBAC does not allow fails the test ({@link
 * RealApiServer#refusedByRbac}). Stopping keeps the client, so a restarted operator continues the
 * same log.
 *
 * <p>As an extension of a test class ({@link #forEveryTest}) it runs from before the first test to
 * after the last, and a test that stopped it finds it started again in the next one.
 */
final class OperatorUnderTest
    implements AutoCloseable, BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

  /**
   * The order of the extension field: after the API server's field, which has JUnit's default
   * order, so the server is up before the operator starts and the operator stops before it.
   */
  static final int AFTER_THE_SERVER = Integer.MAX_VALUE;

  private final RealApiServer api;
  private final ApiRequestLog requests = new ApiRequestLog();
  private KubernetesClient client;
  private Operator operator;

  private OperatorUnderTest(RealApiServer api) {
    this.api = api;
  }

  /** Starts the operator; returns once its informers have synced. */
  static OperatorUnderTest start(RealApiServer api) {
    OperatorUnderTest started = new OperatorUnderTest(api);
    started.startOperator();
    return started;
  }

  /**
   * For a field {@code @RegisterExtension @Order(OperatorUnderTest.AFTER_THE_SERVER) static final
   * OperatorUnderTest operator = OperatorUnderTest.forEveryTest(API)}.
   */
  static OperatorUnderTest forEveryTest(RealApiServer api) {
    return new OperatorUnderTest(api);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    startOperator();
  }

  /** A failed restart test must not take the other tests down with it. */
  @Override
  public void beforeEach(ExtensionContext context) {
    if (!isRunning()) {
      startAgain();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
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
    if (client == null) {
      client =
          api.newOperatorClient(http -> http.addOrReplaceInterceptor("it-request-log", requests));
    }
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
