package dev.registryoperator.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.RegistryOperator;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.api.v1alpha1.RegistryUserSpec.SecretKeyRef;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.roster.Htpasswd;
import dev.registryoperator.testing.CountingHasher;
import dev.registryoperator.testing.MockServerOperators;
import dev.registryoperator.testing.UserReconcileCounter;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not a test: run with {@code mvn test -Dtest=UserBenchmark} (optionally
 * -Dbenchmark.users=1000 -Dbenchmark.cost=10). One registry, N users each with its own password
 * Secret, the real Operator on the fabric8 mock server. Prints bcrypt operations, user reconciles
 * and wall time for (a) the first full reconcile, (b) a resync with nothing changed, (c) one
 * password changed, (d) an operator restart. The assertions only guard the counts the design
 * promises: (b) and (d) hash nothing, (c) exactly once.
 */
@EnableKubernetesMockClient(crud = true)
class UserBenchmark {

  private static final String NAMESPACE = "bench";
  private static final int USERS = Integer.getInteger("benchmark.users", 1000);
  private static final int COST = Integer.getInteger("benchmark.cost", 10);
  private static final Duration PHASE_TIMEOUT = Duration.ofMinutes(10);

  static KubernetesClient client;

  private final CountingHasher hasher = new CountingHasher();
  private final UserReconcileCounter userReconciles = new UserReconcileCounter();
  private final List<String> report = new ArrayList<>();

  @Test
  void htpasswdAtScale() throws Exception {
    Operator operator = start();

    // (a) first full reconcile
    long started = System.nanoTime();
    long bcryptBefore = hasher.operations();
    PrivateRegistry registry = new PrivateRegistry();
    registry.getMetadata().setName("reg");
    registry.getMetadata().setNamespace(NAMESPACE);
    registry.getSpec().auth.bcryptCost = COST;
    client.resource(registry).create();
    for (int i = 0; i < USERS; i++) {
      client.resource(passwordSecret(i, "password-" + i + "-v1")).create();
      client.resource(user(i)).create();
    }
    awaitUntil(() -> htpasswd().size() == USERS);
    record("(a) first full reconcile", bcryptBefore, started);
    Map<String, String> afterFirst = htpasswd();

    // (b) resync with nothing changed: every user reconciled once more. A change of the registry's
    // CA bundle concerns every user (it goes into their pull Secrets), so touching it wakes all.
    // Each phase starts once the operator has gone quiet, so no phase pays for the one before.
    awaitQuiet();
    started = System.nanoTime();
    bcryptBefore = hasher.operations();
    long reconcilesBefore = userReconciles.total();
    client
        .configMaps()
        .inNamespace(NAMESPACE)
        .withName(RegistryNames.of("reg").caBundleConfigMap())
        .edit(
            c -> {
              c.getMetadata().getAnnotations().put("benchmark/resync", "1");
              return c;
            });
    long target = reconcilesBefore + USERS;
    awaitUntil(() -> userReconciles.total() >= target);
    record("(b) resync, nothing changed", bcryptBefore, started);
    assertThat(htpasswd()).isEqualTo(afterFirst);

    // (c) one password changed
    awaitQuiet();
    started = System.nanoTime();
    bcryptBefore = hasher.operations();
    client.resource(passwordSecret(0, "password-0-v2")).update();
    String oldHash = afterFirst.get(userName(0));
    awaitUntil(() -> !oldHash.equals(htpasswd().get(userName(0))));
    record("(c) one password changed", bcryptBefore, started);
    long changedBcrypt = hasher.operations() - bcryptBefore;
    Map<String, String> afterChange = htpasswd();

    // (d) operator restart: a new operator reconciles every user and the registry from scratch
    awaitQuiet();
    operator.stop();
    started = System.nanoTime();
    bcryptBefore = hasher.operations();
    long restartReconciles = userReconciles.total() + USERS;
    operator = start();
    awaitUntil(() -> userReconciles.total() >= restartReconciles);
    record("(d) operator restart", bcryptBefore, started);
    long restartBcrypt = hasher.operations() - bcryptBefore;
    operator.stop();

    System.out.printf(
        "%nUser benchmark: %d users, bcrypt cost %d, one registry, mock API server%n", USERS, COST);
    System.out.printf("%-32s %8s %12s%n", "phase", "bcrypt", "wall time");
    report.forEach(System.out::println);

    assertThat(changedBcrypt).isEqualTo(1);
    assertThat(restartBcrypt).isZero();
    assertThat(htpasswd()).isEqualTo(afterChange);
  }

  private Operator start() {
    Operator operator =
        RegistryOperator.create(client, MockServerOperators.settings(hasher, userReconciles));
    operator.start();
    return operator;
  }

  private void record(String phase, long bcryptBefore, long startedNanos) {
    long millis = (System.nanoTime() - startedNanos) / 1_000_000;
    report.add(
        String.format("%-32s %8d %10d ms", phase, hasher.operations() - bcryptBefore, millis));
  }

  /** Waits until no user has been reconciled for two seconds. */
  private void awaitQuiet() throws InterruptedException {
    long seen = -1;
    long quietSince = System.nanoTime();
    while (System.nanoTime() - quietSince < Duration.ofSeconds(2).toNanos()) {
      long now = userReconciles.total();
      if (now != seen) {
        seen = now;
        quietSince = System.nanoTime();
      }
      Thread.sleep(100);
    }
  }

  private static void awaitUntil(BooleanSupplier condition) {
    await()
        .atMost(PHASE_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .until(condition::getAsBoolean);
  }

  private static Map<String, String> htpasswd() {
    Secret secret =
        client
            .secrets()
            .inNamespace(NAMESPACE)
            .withName(RegistryNames.of("reg").htpasswdSecret())
            .get();
    return secret == null
        ? Map.of()
        : Htpasswd.parse(SecretData.decode(secret, Keys.HTPASSWD).orElse(""));
  }

  private static String userName(int i) {
    return String.format("user-%04d", i);
  }

  private static Secret passwordSecret(int i, String password) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(userName(i) + "-secret")
        .withNamespace(NAMESPACE)
        .endMetadata()
        .withData(SecretData.encode(Map.of("password", password)))
        .build();
  }

  private static RegistryUser user(int i) {
    RegistryUser user = new RegistryUser();
    user.getMetadata().setName(userName(i));
    user.getMetadata().setNamespace(NAMESPACE);
    user.getSpec().registryRef = "reg";
    user.getSpec().pullSecret = false;
    user.getSpec().passwordSecretRef = new SecretKeyRef();
    user.getSpec().passwordSecretRef.name = userName(i) + "-secret";
    return user;
  }
}
