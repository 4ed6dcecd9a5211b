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
import dev.registryoperator.status.Conditions;
import dev.registryoperator.testing.MockServerOperators;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mindrot.jbcrypt.BCrypt;

/**
 * RegistryUsers through the real Operator on the fabric8 mock server (SSA off: the mock cannot do
 * it). Every case checks that the valid users' htpasswd lines stay byte for byte as they were.
 */
@EnableKubernetesMockClient(crud = true)
class RegistryUserLoopTest {

  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  static KubernetesClient client;

  private static String namespace;
  private Operator operator;

  @BeforeEach
  void startOperator() {
    namespace = "users-" + NAMESPACES.incrementAndGet();
    operator = RegistryOperator.create(client, MockServerOperators.settings());
    operator.start();
  }

  @AfterEach
  void stopOperator() {
    operator.stop();
  }

  @Test
  void addedUsersGetHtpasswdLinesPullSecretsAndReady() {
    createRegistry("reg");
    createPasswordSecret("alice-password", "alice-secret-1");
    createUser("alice", "reg", "alice-password");
    createUser("bob", "reg", null);

    Map<String, String> lines = awaitHtpasswd("reg", l -> l.size() == 2);
    assertThat(BCrypt.checkpw("alice-secret-1", lines.get("alice"))).isTrue();
    String generated = password(get(Secret.class, "bob-password"), Keys.PASSWORD);
    assertThat(generated).hasSizeGreaterThanOrEqualTo(32);
    assertThat(BCrypt.checkpw(generated, lines.get("bob"))).isTrue();

    RegistryUser alice =
        awaitUser("alice", u -> Conditions.isTrue(u.getStatus().conditions, "Ready"));
    assertThat(alice.getStatus().pullSecret).isEqualTo("alice-pull-secret");
    assertThat(alice.getStatus().credentialsSecret).isNull();
    assertThat(
            awaitUser("bob", u -> Conditions.isTrue(u.getStatus().conditions, "Ready"))
                .getStatus()
                .credentialsSecret)
        .isEqualTo("bob-password");
    Secret pull = awaitPresent(Secret.class, "alice-pull-secret");
    assertThat(pull.getType()).isEqualTo(Keys.DOCKER_CONFIG_TYPE);
    assertThat(SecretData.decode(pull, Keys.DOCKER_CONFIG).orElseThrow())
        .contains("reg." + namespace + ".svc:15000")
        .contains("\"username\":\"alice\"");
    await()
        .atMost(TIMEOUT)
        .until(
            () -> SecretData.decode(get(Secret.class, "alice-pull-secret"), "ca.crt").isPresent());
    await()
        .atMost(TIMEOUT)
        .until(
            () -> Integer.valueOf(2).equals(get(PrivateRegistry.class, "reg").getStatus().users));
  }

  @Test
  void changedPasswordReplacesOnlyThatUsersLine() {
    createRegistry("reg");
    createPasswordSecret("alice-password", "alice-secret-1");
    createPasswordSecret("carol-password", "carol-secret-1");
    createUser("alice", "reg", "alice-password");
    createUser("carol", "reg", "carol-password");
    Map<String, String> before = awaitHtpasswd("reg", l -> l.size() == 2);

    client.resource(passwordSecret("alice-password", "alice-secret-2")).update();

    Map<String, String> after =
        awaitHtpasswd("reg", l -> l.size() == 2 && !l.get("alice").equals(before.get("alice")));
    assertThat(BCrypt.checkpw("alice-secret-2", after.get("alice"))).isTrue();
    assertThat(after.get("carol")).isEqualTo(before.get("carol"));
  }

  @Test
  void deletedUserLosesItsLineAndTheOthersKeepTheirs() {
    createRegistry("reg");
    createPasswordSecret("alice-password", "alice-secret-1");
    createUser("alice", "reg", "alice-password");
    createUser("bob", "reg", null);
    Map<String, String> before = awaitHtpasswd("reg", l -> l.size() == 2);

    client.resources(RegistryUser.class).inNamespace(namespace).withName("bob").delete();

    Map<String, String> after = awaitHtpasswd("reg", l -> l.size() == 1);
    assertThat(after).containsOnlyKeys("alice").containsEntry("alice", before.get("alice"));
    // The user's own password Secret is the user's: never deleted by the operator.
    assertThat(get(Secret.class, "alice-password")).isNotNull();
  }

  @Test
  void duplicateUsernameLeavesTheOldestHolderUntouched() throws Exception {
    // The older user's name sorts last, so only the age rule (not the name tie-break) makes it win.
    createRegistry("reg");
    createPasswordSecret("zoe-password", "zoe-secret-1");
    createPasswordSecret("adam-password", "adam-secret-1");
    createUser("zoe", "reg", "zoe-password", "shared");
    Map<String, String> before = awaitHtpasswd("reg", l -> l.size() == 1);
    Thread.sleep(1100); // creationTimestamps have second precision: make "oldest" unambiguous
    createUser("adam", "reg", "adam-password", "shared");

    RegistryUser adam = awaitUser("adam", u -> "DuplicateUsername".equals(readyReason(u)));
    assertThat(Conditions.find(adam.getStatus().conditions, "Ready").orElseThrow().getMessage())
        .contains("'zoe'");
    assertThat(htpasswd("reg")).isEqualTo(before);
    assertThat(BCrypt.checkpw("zoe-secret-1", htpasswd("reg").get("shared"))).isTrue();
    awaitUser("zoe", u -> Conditions.isTrue(u.getStatus().conditions, "Ready"));
    assertWarningEvent("DuplicateUsername");

    // When the holder goes, the next oldest takes the name over.
    client.resources(RegistryUser.class).inNamespace(namespace).withName("zoe").delete();
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              String hash = htpasswd("reg").get("shared");
              return hash != null && BCrypt.checkpw("adam-secret-1", hash);
            });
  }

  @Test
  void userOfAMissingRegistryBecomesReadyWhenTheRegistryAppears() {
    createPasswordSecret("alice-password", "alice-secret-1");
    createUser("alice", "later", "alice-password");
    awaitUser("alice", u -> "RegistryNotFound".equals(readyReason(u)));
    assertWarningEvent("RegistryNotFound");

    createRegistry("later");

    awaitUser("alice", u -> Conditions.isTrue(u.getStatus().conditions, "Ready"));
    assertThat(htpasswd("later")).containsOnlyKeys("alice");
  }

  @Test
  void badPasswordsAndMissingSecretsAffectOnlyThatUser() {
    createRegistry("reg");
    createPasswordSecret("alice-password", "alice-secret-1");
    createUser("alice", "reg", "alice-password");
    Map<String, String> before = awaitHtpasswd("reg", l -> l.size() == 1);

    createPasswordSecret("short-password", "short");
    createUser("shorty", "reg", "short-password");
    createPasswordSecret("long-password", "x".repeat(73));
    createUser("longy", "reg", "long-password");
    createUser("ghost", "reg", "no-such-secret");
    RegistryUser wrongKey = user("keyless", "reg", "alice-password", null);
    wrongKey.getSpec().passwordSecretRef.key = "nope";
    client.resource(wrongKey).create();

    awaitUser("shorty", u -> "PasswordTooShort".equals(readyReason(u)));
    awaitUser("longy", u -> "PasswordTooLong".equals(readyReason(u)));
    awaitUser("ghost", u -> "PasswordSecretNotFound".equals(readyReason(u)));
    awaitUser("keyless", u -> "PasswordKeyNotFound".equals(readyReason(u)));
    assertThat(htpasswd("reg")).isEqualTo(before);
    assertWarningEvent("PasswordTooShort");

    // A valid user who switches to a bad password loses its own line, nobody else's.
    createPasswordSecret("dave-password", "dave-secret-1");
    createUser("dave", "reg", "dave-password");
    awaitHtpasswd("reg", l -> l.size() == 2);
    client.resource(passwordSecret("dave-password", "tiny")).update();
    awaitUser("dave", u -> "PasswordTooShort".equals(readyReason(u)));
    assertThat(awaitHtpasswd("reg", l -> l.size() == 1)).isEqualTo(before);

    // The missing Secret appears: the user becomes ready without anyone touching it.
    createPasswordSecret("no-such-secret", "ghost-secret-1");
    awaitUser("ghost", u -> Conditions.isTrue(u.getStatus().conditions, "Ready"));
  }

  private static void createRegistry(String name) {
    PrivateRegistry registry = new PrivateRegistry();
    registry.getMetadata().setName(name);
    registry.getMetadata().setNamespace(namespace);
    client.resource(registry).create();
  }

  private static Secret passwordSecret(String name, String password) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .withData(SecretData.encode(Map.of("password", password)))
        .build();
  }

  private static void createPasswordSecret(String name, String password) {
    client.resource(passwordSecret(name, password)).create();
  }

  private static void createUser(String name, String registry, String passwordSecret) {
    client.resource(user(name, registry, passwordSecret, null)).create();
  }

  private static void createUser(
      String name, String registry, String passwordSecret, String username) {
    client.resource(user(name, registry, passwordSecret, username)).create();
  }

  private static RegistryUser user(
      String name, String registry, String passwordSecret, String username) {
    RegistryUser user = new RegistryUser();
    user.getMetadata().setName(name);
    user.getMetadata().setNamespace(namespace);
    user.getSpec().registryRef = registry;
    user.getSpec().username = username;
    if (passwordSecret != null) {
      user.getSpec().passwordSecretRef = new SecretKeyRef();
      user.getSpec().passwordSecretRef.name = passwordSecret;
    }
    return user;
  }

  private static <R extends HasMetadata> R get(Class<R> type, String name) {
    return client.resources(type).inNamespace(namespace).withName(name).get();
  }

  private static <R extends HasMetadata> R awaitPresent(Class<R> type, String name) {
    await().atMost(TIMEOUT).until(() -> get(type, name) != null);
    return get(type, name);
  }

  private static Map<String, String> htpasswd(String registry) {
    Secret secret = get(Secret.class, RegistryNames.of(registry).htpasswdSecret());
    return secret == null
        ? Map.of()
        : Htpasswd.parse(SecretData.decode(secret, Keys.HTPASSWD).orElse(""));
  }

  private static Map<String, String> awaitHtpasswd(
      String registry, Predicate<Map<String, String>> condition) {
    await().atMost(TIMEOUT).until(() -> condition.test(htpasswd(registry)));
    return htpasswd(registry);
  }

  private static RegistryUser awaitUser(String name, Predicate<RegistryUser> condition) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              RegistryUser user = get(RegistryUser.class, name);
              return user != null && user.getStatus() != null && condition.test(user);
            });
    return get(RegistryUser.class, name);
  }

  private static String readyReason(RegistryUser user) {
    return Conditions.find(user.getStatus().conditions, "Ready")
        .map(c -> c.getReason())
        .orElse(null);
  }

  private static String password(Secret secret, String key) {
    return SecretData.decode(secret, key).orElseThrow();
  }

  private static void assertWarningEvent(String reason) {
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client.v1().events().inNamespace(namespace).list().getItems().stream()
                    .anyMatch(e -> reason.equals(e.getReason()) && "Warning".equals(e.getType())));
  }
}
