package dev.registryoperator.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.RegistryOperator;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.api.v1alpha1.RegistryUserSpec.SecretKeyRef;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.status.Conditions;
import dev.registryoperator.testing.CountingHasher;
import dev.registryoperator.testing.MockServerOperators;
import dev.registryoperator.testing.UserReconcileCounter;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a reconcile of an unchanged user costs: no bcrypt, no read of its password Secret and no
 * write - while a real password change is still noticed, read once and hashed once. Counted from
 * the requests the mock API server received.
 */
@EnableKubernetesMockClient(crud = true)
class UnchangedUserResyncLoopTest {

  private static final String NAMESPACE = "resync";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  static KubernetesClient client;
  static KubernetesMockServer server;

  private final CountingHasher hasher = new CountingHasher();
  private final UserReconcileCounter reconciles = new UserReconcileCounter();
  private Operator operator;

  @AfterEach
  void stopOperator() {
    operator.stop();
  }

  @Test
  void anUnchangedUserReadsNoSecretAndHashesNothingButAChangeIsReadOnce() throws Exception {
    operator = RegistryOperator.create(client, MockServerOperators.settings(hasher, reconciles));
    operator.start();
    PrivateRegistry registry = new PrivateRegistry();
    registry.getMetadata().setName("reg");
    registry.getMetadata().setNamespace(NAMESPACE);
    registry.getSpec().auth.bcryptCost = 4;
    client.resource(registry).create();
    client.resource(passwordSecret("alice-password", "alice-secret-1")).create();
    client.resource(user("alice", "alice-password")).create(); // with a pull Secret
    client.resource(user("bob", null)).create(); // generated password
    awaitReady("alice");
    awaitReady("bob");
    long hashesBefore = hasher.operations();

    // The CA bundle goes into pull Secrets, so a change of it wakes every user of the registry.
    long aliceBefore = reconcileCount("alice");
    long bobBefore = reconcileCount("bob");
    drainRequests();
    client
        .configMaps()
        .inNamespace(NAMESPACE)
        .withName(RegistryNames.of("reg").caBundleConfigMap())
        .edit(
            bundle -> {
              bundle.getMetadata().getAnnotations().put("test/touch", "1");
              return bundle;
            });
    await().atMost(TIMEOUT).until(() -> reconcileCount("alice") > aliceBefore);
    await().atMost(TIMEOUT).until(() -> reconcileCount("bob") > bobBefore);
    Thread.sleep(1000); // let any further reconcile the touch caused finish

    List<String> secretRequests = secretRequests(drainRequests());
    assertThat(secretRequests).isEmpty();
    assertThat(hasher.operations()).isEqualTo(hashesBefore);

    // A new password: read once (a GET of that Secret) and hashed once. The test's own update
    // carries the resourceVersion, so that it makes no GET of its own.
    Secret changed = get(Secret.class, "alice-password");
    drainRequests();
    changed.setData(SecretData.encode(Map.of("password", "alice-secret-2")));
    client.resource(changed).update();
    await()
        .atMost(TIMEOUT)
        .until(() -> hasher.operations() > hashesBefore && aliceListedWithNewHash());
    Thread.sleep(1000);
    assertThat(secretRequests(drainRequests()))
        .filteredOn(request -> request.startsWith("GET ") && request.endsWith("/alice-password"))
        .hasSize(1);
    assertThat(hasher.operations()).isEqualTo(hashesBefore + 1);
  }

  private boolean aliceListedWithNewHash() {
    RegistryUser alice = get(RegistryUser.class, "alice");
    Secret entry = get(Secret.class, "alice-htpasswd-entry");
    return alice != null
        && Conditions.isTrue(alice.getStatus().conditions, "Ready")
        && entry != null
        && org.mindrot.jbcrypt.BCrypt.checkpw(
            "alice-secret-2", SecretData.decode(entry, "hash").orElseThrow());
  }

  /** "METHOD path" of every request about Secrets, leaving out watches (long-lived GETs). */
  private static List<String> secretRequests(List<RecordedRequest> requests) {
    return requests.stream()
        .filter(request -> request.getPath().contains("/secrets"))
        .filter(request -> !request.getPath().contains("watch=true"))
        .map(request -> request.getMethod() + " " + request.getPath().replaceAll("\\?.*", ""))
        .toList();
  }

  private static List<RecordedRequest> drainRequests() throws InterruptedException {
    List<RecordedRequest> requests = new ArrayList<>();
    for (RecordedRequest request = server.takeRequest(10, TimeUnit.MILLISECONDS);
        request != null;
        request = server.takeRequest(10, TimeUnit.MILLISECONDS)) {
      requests.add(request);
    }
    return requests;
  }

  private long reconcileCount(String user) {
    return reconciles.of(user);
  }

  private static void awaitReady(String name) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              RegistryUser user = get(RegistryUser.class, name);
              return user != null
                  && user.getStatus() != null
                  && Conditions.isTrue(user.getStatus().conditions, "Ready");
            });
  }

  private static <R extends HasMetadata> R get(Class<R> type, String name) {
    return client.resources(type).inNamespace(NAMESPACE).withName(name).get();
  }

  private static Secret passwordSecret(String name, String password) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .endMetadata()
        .withData(SecretData.encode(Map.of("password", password)))
        .build();
  }

  private static RegistryUser user(String name, String passwordSecret) {
    RegistryUser user = new RegistryUser();
    user.getMetadata().setName(name);
    user.getMetadata().setNamespace(NAMESPACE);
    user.getSpec().registryRef = "reg";
    if (passwordSecret != null) {
      user.getSpec().passwordSecretRef = new SecretKeyRef();
      user.getSpec().passwordSecretRef.name = passwordSecret;
    }
    return user;
  }
}
