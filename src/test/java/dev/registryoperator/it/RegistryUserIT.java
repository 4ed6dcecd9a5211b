package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.it.TestNamespace.Child;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.naming.UserSecretNames;
import dev.registryoperator.roster.EntrySecret;
import dev.registryoperator.roster.Htpasswd;
import dev.registryoperator.status.Conditions;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mindrot.jbcrypt.BCrypt;

/**
 * RegistryUsers on a real kube-apiserver with the operator as in production (server-side apply on):
 * the htpasswd file holds both users, their Secrets are owned by them, deleted ones come back (an
 * entry with a new hash of the same password), and a restart changes no password, hash or child.
 */
class RegistryUserIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final String API_VERSION = PrivateRegistry.GROUP + "/" + PrivateRegistry.VERSION;
  private static final Duration SETTLED = Duration.ofSeconds(2);

  @RegisterExtension
  @Order(OperatorUnderTest.AFTER_THE_SERVER)
  static final OperatorUnderTest operator = OperatorUnderTest.forEveryTest(API);

  private TestNamespace namespace;

  @BeforeEach
  void newNamespace() {
    namespace = TestNamespace.create(API, "users");
  }

  @Test
  void aRegistryAndTwoUsersReconcileToAnHtpasswdWithBoth() {
    createRegistryWithTwoUsers();

    Map<String, String> lines = awaitHtpasswd(2);
    assertThat(BCrypt.checkpw("alice-password-1", lines.get("alice"))).isTrue();
    assertThat(BCrypt.checkpw(generatedPassword(), lines.get("ci-pull"))).isTrue();
    for (String user : List.of("alice", "ci-pull")) {
      RegistryUser ready = awaitUserReady(user);
      assertThat(ready.getStatus().observedGeneration)
          .isEqualTo(ready.getMetadata().getGeneration());
      for (Child child : userChildren(ready)) {
        TestNamespace.assertControlledBy(
            namespace.awaitPresent(child.type(), child.name()), ready, API_VERSION, "RegistryUser");
      }
    }
    Secret pull = namespace.get(Secret.class, "alice-pull-secret");
    assertThat(pull.getType()).isEqualTo(Keys.DOCKER_CONFIG_TYPE);
    assertThat(SecretData.decode(pull, Keys.DOCKER_CONFIG).orElseThrow())
        .contains("demo." + namespace.name() + ".svc:15000");
    TestNamespace.await("status.users of the registry")
        .until(() -> Integer.valueOf(2).equals(namespace.registry("demo").getStatus().users));
    // The user's own password Secret is never taken over.
    assertThat(
            namespace
                .get(Secret.class, "alice-registry-password")
                .getMetadata()
                .getOwnerReferences())
        .isEmpty();
  }

  @Test
  void deletedEntriesComeBackAsFreshHashesOfTheSamePasswordsAndPullSecretsAsTheyWere() {
    createRegistryWithTwoUsers();
    Map<String, String> before = awaitHtpasswd(2);
    awaitUserReady("alice");
    awaitUserReady("ci-pull");
    operator.awaitQuiet(namespace, SETTLED);
    Map<String, Secret> pullBefore = new HashMap<>();
    for (String user : List.of("alice", "ci-pull")) {
      pullBefore.put(user, namespace.awaitPresent(Secret.class, user + "-pull-secret"));
    }

    for (String user : List.of("alice", "ci-pull")) {
      Secret entry = namespace.deleteAndAwaitReturn(Secret.class, user + "-htpasswd-entry");
      Secret pull = namespace.deleteAndAwaitReturn(Secret.class, user + "-pull-secret");
      // The entry is where a user's hash is kept, so it cannot come back: the entry is made again
      // from the same password with a new salt, and the registry's file follows it.
      String hash = EntrySecret.read(entry).orElseThrow().hash();
      TestNamespace.await("the htpasswd line of " + user + " to be the re-created entry's")
          .until(() -> hash.equals(htpasswd().get(user)));
      assertThat(hash).isNotEqualTo(before.get(user));
      // A pull Secret holds nothing random: it comes back as it was.
      assertThat(pull.getData()).isEqualTo(pullBefore.get(user).getData());
      String source =
          pullBefore.get(user).getMetadata().getAnnotations().get(Keys.PASSWORD_SOURCE_ANNOTATION);
      assertThat(pull.getMetadata().getAnnotations())
          .containsEntry(Keys.PASSWORD_SOURCE_ANNOTATION, source);
    }
    Map<String, String> after = htpasswd();
    assertThat(after.keySet()).isEqualTo(before.keySet());
    assertThat(BCrypt.checkpw("alice-password-1", after.get("alice"))).isTrue();
    assertThat(BCrypt.checkpw(generatedPassword(), after.get("ci-pull"))).isTrue();
  }

  @Test
  void aRestartedOperatorChangesNoPasswordNoHashAndNoChild() {
    createRegistryWithTwoUsers();
    awaitHtpasswd(2);
    RegistryUser alice = awaitUserReady("alice");
    RegistryUser ciPull = awaitUserReady("ci-pull");
    operator.awaitQuiet(namespace, SETTLED);

    List<Child> watched = new ArrayList<>();
    watched.add(new Child(Secret.class, RegistryNames.of("demo").htpasswdSecret()));
    watched.addAll(userChildren(alice));
    watched.addAll(userChildren(ciPull));
    Map<String, String> versionsBefore = namespace.resourceVersions(watched);
    String generated = generatedPassword();
    Map<String, String> htpasswdBefore = htpasswd();

    operator.stop();
    long mark = operator.requests().mark();
    operator.startAgain();
    // Something only a reconcile by the new operator can bring: the Deployment becomes available.
    namespace.setDeploymentAvailable(RegistryNames.of("demo").deployment(), true);
    namespace.awaitReady("demo", "Available");
    operator.awaitQuiet(namespace, SETTLED);

    assertThat(generatedPassword()).isEqualTo(generated);
    assertThat(htpasswd()).isEqualTo(htpasswdBefore);
    assertThat(namespace.resourceVersions(watched)).isEqualTo(versionsBefore);
    assertThat(operator.requests().writesSince(mark, namespace.name()))
        .as("the restarted operator writes only the registry's status")
        .allSatisfy(write -> assertThat(write).contains("/privateregistries/demo/status"));
  }

  // ---------------------------------------------------------------------------------------------

  private void createRegistryWithTwoUsers() {
    namespace.create(
        """
        apiVersion: %s
        kind: PrivateRegistry
        metadata:
          name: demo
        spec: {}
        """
            .formatted(API_VERSION));
    namespace.create(
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: alice-registry-password
        data:
          password: %s
        """
            .formatted(SecretData.encode(Map.of("p", "alice-password-1")).get("p")));
    namespace.create(
        """
        apiVersion: %s
        kind: RegistryUser
        metadata:
          name: alice
        spec:
          registryRef: demo
          passwordSecretRef:
            name: alice-registry-password
        """
            .formatted(API_VERSION));
    namespace.create(
        """
        apiVersion: %s
        kind: RegistryUser
        metadata:
          name: ci-pull
        spec:
          registryRef: demo
        """
            .formatted(API_VERSION));
  }

  private List<Child> userChildren(RegistryUser user) {
    UserSecretNames names = UserSecretNames.of(user);
    List<Child> children = new ArrayList<>();
    children.add(new Child(Secret.class, names.entrySecret()));
    children.add(new Child(Secret.class, names.pullSecret()));
    if (user.getSpec().passwordSecretRef == null) {
      children.add(new Child(Secret.class, names.credentialsSecret()));
    }
    return children;
  }

  private String generatedPassword() {
    Secret secret = namespace.awaitPresent(Secret.class, "ci-pull-password");
    return SecretData.decode(secret, Keys.PASSWORD).orElseThrow();
  }

  private Map<String, String> htpasswd() {
    Secret secret = namespace.get(Secret.class, RegistryNames.of("demo").htpasswdSecret());
    return secret == null
        ? Map.of()
        : Htpasswd.parse(SecretData.decode(secret, Keys.HTPASSWD).orElse(""));
  }

  private Map<String, String> awaitHtpasswd(int users) {
    TestNamespace.await("an htpasswd file with " + users + " users")
        .until(() -> htpasswd().size() == users);
    return htpasswd();
  }

  private RegistryUser awaitUserReady(String name) {
    TestNamespace.await("RegistryUser " + name + " Ready")
        .until(
            () -> {
              RegistryUser user = namespace.get(RegistryUser.class, name);
              return user != null
                  && user.getStatus() != null
                  && Conditions.isTrue(user.getStatus().conditions, Conditions.READY);
            });
    return namespace.get(RegistryUser.class, name);
  }
}
