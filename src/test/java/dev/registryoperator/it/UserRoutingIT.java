package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.roster.Htpasswd;
import dev.registryoperator.status.Conditions;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mindrot.jbcrypt.BCrypt;

/**
 * Users are woken by data, not by status, on a real kube-apiserver: a user that moves to another
 * registry leaves the first one's file and enters the second's, a rename replaces the line, and a
 * user waiting for a username takes it over when its holder goes. An unchanged user reads no Secret
 * when its registry changes.
 */
class UserRoutingIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final String API_VERSION = PrivateRegistry.GROUP + "/" + PrivateRegistry.VERSION;

  @RegisterExtension
  @Order(OperatorUnderTest.AFTER_THE_SERVER)
  static final OperatorUnderTest operator = OperatorUnderTest.forEveryTest(API);

  private TestNamespace namespace;

  @BeforeEach
  void newNamespace() {
    namespace = TestNamespace.create(API, "routing");
  }

  @Test
  void aUserMovingToAnotherRegistryLeavesTheFirstAndEntersTheSecond() {
    createRegistry("first");
    createRegistry("second");
    createPasswordSecret("alice-password", "alice-secret-1");
    createPasswordSecret("bob-password", "bob-secret-1");
    createUser("alice", "first", null);
    createUser("bob", "first", null);
    awaitLines("first", 2);
    awaitReady("alice", "first");

    namespace.apply(
        "test",
        """
        apiVersion: %s
        kind: RegistryUser
        metadata:
          name: alice
        spec:
          registryRef: second
          passwordSecretRef:
            name: alice-password
        """
            .formatted(API_VERSION));

    TestNamespace.await("alice out of the first registry's file")
        .until(() -> htpasswd("first").keySet().equals(Set.of("bob")));
    TestNamespace.await("alice in the second registry's file")
        .until(() -> htpasswd("second").containsKey("alice"));
    assertThat(BCrypt.checkpw("alice-secret-1", htpasswd("second").get("alice"))).isTrue();
    RegistryUser alice = awaitReady("alice", "second");
    assertThat(alice.getStatus().registry).isEqualTo("second");
  }

  @Test
  void aRenameReplacesTheLineAndAWaitingUserTakesOverAFreedUsername() throws InterruptedException {
    createRegistry("reg");
    createPasswordSecret("zed-password", "zed-secret-1");
    createPasswordSecret("amy-password", "amy-secret-1");
    createUser("zed", "reg", "shared");
    awaitLines("reg", 1);
    awaitReady("zed", "reg");
    Thread.sleep(1100); // creationTimestamps have second precision: make zed the older one
    createUser("amy", "reg", "shared");
    TestNamespace.await("amy refused the username zed holds")
        .until(() -> "DuplicateUsername".equals(readyReason("amy")));

    // zed takes another name: amy, which waited for "shared", now gets it.
    namespace.apply(
        "test",
        """
        apiVersion: %s
        kind: RegistryUser
        metadata:
          name: zed
        spec:
          registryRef: reg
          username: zed-renamed
          passwordSecretRef:
            name: zed-password
        """
            .formatted(API_VERSION));

    TestNamespace.await("both names in the file")
        .until(() -> htpasswd("reg").keySet().equals(Set.of("shared", "zed-renamed")));
    Map<String, String> lines = htpasswd("reg");
    assertThat(BCrypt.checkpw("amy-secret-1", lines.get("shared"))).isTrue();
    assertThat(BCrypt.checkpw("zed-secret-1", lines.get("zed-renamed"))).isTrue();
    awaitReady("amy", "reg");
    awaitReady("zed", "reg");
  }

  @Test
  void anUnchangedUserReadsNoSecretWhenItsRegistryChanges() {
    createRegistry("reg");
    createPasswordSecret("alice-password", "alice-secret-1");
    createUser("alice", "reg", null);
    awaitLines("reg", 1);
    awaitReady("alice", "reg");
    operator.awaitQuiet(namespace, Duration.ofSeconds(2));

    long mark = operator.requests().mark();
    // A new Ingress host changes the pull Secret's hosts: alice must be reconciled, but her
    // password has not changed, so it is taken from her own pull Secret.
    namespace.apply(
        "test",
        """
        apiVersion: %s
        kind: PrivateRegistry
        metadata:
          name: reg
        spec:
          ingress:
            host: registry.example.com
        """
            .formatted(API_VERSION));
    TestNamespace.await("the pull Secret names the Ingress host")
        .until(
            () ->
                SecretData.decode(
                        namespace.get(Secret.class, "alice-pull-secret"), Keys.DOCKER_CONFIG)
                    .orElse("")
                    .contains("registry.example.com"));
    operator.awaitQuiet(namespace, Duration.ofSeconds(2));

    assertThat(
            operator
                .requests()
                .since(mark, request -> request.path().endsWith("/secrets/alice-password")))
        .as("reads of alice's password Secret")
        .isEmpty();
    assertThat(operator.requests().writesSince(mark, namespace.name()))
        .as("alice's entry is not rewritten")
        .noneMatch(write -> write.contains("alice-htpasswd-entry"));
  }

  private void createRegistry(String name) {
    namespace.create(
        """
        apiVersion: %s
        kind: PrivateRegistry
        metadata:
          name: %s
        spec:
          auth:
            bcryptCost: 4
        """
            .formatted(API_VERSION, name));
  }

  private void createPasswordSecret(String name, String password) {
    namespace.create(
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: %s
        data:
          password: %s
        """
            .formatted(name, SecretData.encode(Map.of("p", password)).get("p")));
  }

  private void createUser(String name, String registry, String username) {
    namespace.create(
        """
        apiVersion: %s
        kind: RegistryUser
        metadata:
          name: %s
        spec:
          registryRef: %s
          %s
          passwordSecretRef:
            name: %s-password
        """
            .formatted(
                API_VERSION,
                name,
                registry,
                username == null ? "" : "username: " + username,
                name));
  }

  private Map<String, String> htpasswd(String registry) {
    Secret secret = namespace.get(Secret.class, RegistryNames.of(registry).htpasswdSecret());
    return secret == null
        ? Map.of()
        : Htpasswd.parse(SecretData.decode(secret, Keys.HTPASSWD).orElse(""));
  }

  private void awaitLines(String registry, int lines) {
    TestNamespace.await(lines + " lines in " + registry + "'s htpasswd file")
        .until(() -> htpasswd(registry).size() == lines);
  }

  private String readyReason(String user) {
    RegistryUser current = namespace.get(RegistryUser.class, user);
    return current == null || current.getStatus() == null
        ? null
        : Conditions.find(current.getStatus().conditions, Conditions.READY)
            .map(condition -> condition.getReason())
            .orElse(null);
  }

  private RegistryUser awaitReady(String user, String registry) {
    TestNamespace.await(user + " Ready in " + registry)
        .until(
            () -> {
              RegistryUser current = namespace.get(RegistryUser.class, user);
              return current != null
                  && current.getStatus() != null
                  && Conditions.isTrue(current.getStatus().conditions, Conditions.READY)
                  && registry.equals(current.getStatus().registry);
            });
    return namespace.get(RegistryUser.class, user);
  }
}
