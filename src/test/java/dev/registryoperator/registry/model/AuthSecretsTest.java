package dev.registryoperator.registry.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.access.AccessFile;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.roster.Htpasswd;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthSecretsTest {

  private static final String HTPASSWD =
      "alice:$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy\n"
          + "bob:$2a$10$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW\n";

  @Test
  void httpSecretKeepsTheValuePassedIn() {
    // It is generated once and read back: re-rendering must never replace it.
    Secret secret = AuthSecrets.httpSecret(Fixtures.registry(), "kept-value-123");

    assertThat(SecretData.decode(secret, "http-secret")).contains("kept-value-123");
    assertThat(secret.getData()).containsOnlyKeys("http-secret");
    assertThat(AuthSecrets.httpSecret(Fixtures.registry(), "kept-value-123")).isEqualTo(secret);
  }

  @Test
  void httpSecretIsAnOwnedOpaqueSecret() {
    Secret secret = AuthSecrets.httpSecret(Fixtures.registry(), "x");

    assertThat(secret.getMetadata().getName()).isEqualTo("demo-http-secret");
    assertThat(secret.getType()).isEqualTo("Opaque");
    assertThat(secret.getStringData()).isNullOrEmpty();
    assertThat(secret.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(owner -> assertThat(owner.getUid()).isEqualTo(Fixtures.UID));
  }

  @Test
  void newHttpSecretsAreLongRandomAndUrlSafe() {
    Set<String> generated = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      generated.add(AuthSecrets.newHttpSecret());
    }

    assertThat(generated).hasSize(20);
    // 32 random bytes, unpadded base64url: safe in YAML, environment variables and URLs.
    assertThat(generated).allSatisfy(value -> assertThat(value).matches("[A-Za-z0-9_-]{43}"));
  }

  @Test
  void htpasswdSecretCarriesTheFileUnderTheKeyNginxReads() {
    Secret secret = AuthSecrets.htpasswd(Fixtures.registry(), Fixtures.authFiles(HTPASSWD));

    assertThat(secret.getMetadata().getName()).isEqualTo("demo-htpasswd");
    assertThat(secret.getData()).containsOnlyKeys("htpasswd", "access.json");
    assertThat(SecretData.decode(secret, "htpasswd")).contains(HTPASSWD);
    assertThat(
            SecretData.decode(secret, "access.json").map(AccessFile::parse).orElseThrow().users())
        .containsOnlyKeys(Htpasswd.parse(HTPASSWD).keySet().toArray(String[]::new));
    assertThat(secret.getStringData()).isNullOrEmpty();
  }

  @Test
  void htpasswdSecretWithoutUsersIsAnEmptyFileNotAMissingOne() {
    // The registry and nginx must never start without the file (2.8.2 then invents a user).
    Secret secret = AuthSecrets.htpasswd(Fixtures.registry(), Fixtures.authFiles(""));

    assertThat(secret.getData()).containsEntry("htpasswd", "");
  }

  @Test
  void htpasswdSecretIsByteStableForTheSameContent() {
    assertThat(AuthSecrets.htpasswd(Fixtures.registry(), Fixtures.authFiles(HTPASSWD)))
        .isEqualTo(AuthSecrets.htpasswd(Fixtures.registry(), Fixtures.authFiles(HTPASSWD)));
  }
}
