package dev.registryoperator.roster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.access.Permissions;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.naming.Labels;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Hash reuse: bcrypt runs only when the password's source changed. */
class EntrySecretTest {

  private static final String SOURCE = "uid-1/41/password/10";

  @Test
  void reusesTheStoredHashWhileTheSourceIsUnchanged() {
    Secret stored =
        EntrySecret.render(user(), "alice", "$2a$10$stored", SOURCE, Permissions.UNRESTRICTED);
    AtomicInteger hashed = new AtomicInteger();

    String hash = EntrySecret.reuseOrHash(stored, SOURCE, () -> "new" + hashed.incrementAndGet());

    assertThat(hash).isEqualTo("$2a$10$stored");
    assertThat(hashed).hasValue(0);
  }

  @Test
  void hashesOnceWhenTheSecretVersionKeyOrCostChanged() {
    Secret stored =
        EntrySecret.render(user(), "alice", "$2a$10$stored", SOURCE, Permissions.UNRESTRICTED);
    for (String changed :
        new String[] {
          "uid-1/42/password/10",
          "uid-2/41/password/10",
          "uid-1/41/other/10",
          "uid-1/41/password/12"
        }) {
      AtomicInteger hashed = new AtomicInteger();
      assertThat(EntrySecret.reuseOrHash(stored, changed, () -> "new" + hashed.incrementAndGet()))
          .isEqualTo("new1");
      assertThat(hashed).hasValue(1);
    }
  }

  @Test
  void hashesWhenThereIsNoEntryYet() {
    assertThat(EntrySecret.reuseOrHash(null, SOURCE, () -> "fresh")).isEqualTo("fresh");
  }

  @Test
  void renderingIsByteStable() {
    assertThat(EntrySecret.render(user(), "alice", "$2a$10$h", SOURCE, Permissions.UNRESTRICTED))
        .isEqualTo(
            EntrySecret.render(user(), "alice", "$2a$10$h", SOURCE, Permissions.UNRESTRICTED));
  }

  @Test
  void theSourceNamesOnlyTheSecretVersionKeyAndCost() {
    Secret password =
        new SecretBuilder()
            .withNewMetadata()
            .withName("p")
            .withUid("u-1")
            .withResourceVersion("7")
            .endMetadata()
            .addToData("password", "c2VjcmV0LXBhc3N3b3Jk")
            .build();
    assertThat(EntrySecret.passwordSource(password, "password", 10)).isEqualTo("u-1/7/password/10");
  }

  @Test
  void entryIsOwnedByTheUserAndLabelledForItsRegistry() {
    Secret entry =
        EntrySecret.render(user(), "alice", "$2a$10$h", SOURCE, Permissions.UNRESTRICTED);
    assertThat(entry.getMetadata().getName()).isEqualTo("alice-htpasswd-entry");
    assertThat(entry.getMetadata().getLabels()).containsEntry(Labels.REGISTRY, "reg");
    assertThat(entry.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(ref -> assertThat(ref.getKind()).isEqualTo("RegistryUser"));
    assertThat(EntrySecret.read(entry))
        .hasValueSatisfying(s -> assertThat(s.username()).isEqualTo("alice"))
        .hasValueSatisfying(s -> assertThat(s.toString()).doesNotContain("$2a$"));
  }

  private static RegistryUser user() {
    RegistryUser user = new RegistryUser();
    user.getMetadata().setName("alice");
    user.getMetadata().setNamespace("team-a");
    user.getMetadata().setUid("user-uid");
    user.getSpec().registryRef = "reg";
    return user;
  }
}
