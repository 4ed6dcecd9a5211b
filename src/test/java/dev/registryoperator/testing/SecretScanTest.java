package dev.registryoperator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.naming.Keys;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretScanTest {

  private static final String PASSWORD = "correct-horse-battery";
  private static final String HASH =
      "$2a$10$" + "N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";

  private static Secret secret(String name, Map<String, String> stringData) {
    return new SecretBuilder()
        .withNewMetadata()
        .withNamespace("team")
        .withName(name)
        .endMetadata()
        .withStringData(stringData)
        .build();
  }

  private static final List<Secret> SECRETS =
      List.of(
          secret(
              "alice-password", Map.of(Keys.PASSWORD, PASSWORD, Keys.USERNAME, "alice-the-user")),
          secret("demo-htpasswd", Map.of(Keys.HTPASSWD, "alice:" + HASH + "\nbob:short\n")),
          secret(
              "alice-pull",
              Map.of(
                  Keys.DOCKER_CONFIG,
                  "{\"auths\":{\"demo:15000\":{\"username\":\"alice\",\"password\":\"pull-password-1\","
                      + "\"auth\":\"YWxpY2U6cHVsbC1wYXNzd29yZC0x\"}}}")),
          secret(
              "demo-tls",
              Map.of(
                  Keys.TLS_CERT, "-----BEGIN CERTIFICATE-----\nMIIBpublic\n", Keys.CA_CERT, "ca")));

  @Test
  void aPasswordFoundVerbatimIsNamedByItsSecretNotShown() {
    List<SecretScan.Finding> findings =
        SecretScan.of(SECRETS).text("the log", "login failed for alice: " + PASSWORD).findings();

    assertThat(findings)
        .singleElement()
        .hasToString("the log holds the value of Secret team/alice-password key password");
    assertThat(findings.toString()).doesNotContain(PASSWORD);
  }

  @Test
  void anHtpasswdLineGivesItsHashAndAPullSecretItsCredentials() {
    SecretScan scan =
        SecretScan.of(SECRETS)
            .text("an Event", "user alice has hash " + HASH.substring(0, 20) + "...")
            .text("a status", "auth YWxpY2U6cHVsbC1wYXNzd29yZC0x")
            .text("a ConfigMap", "password: pull-password-1");

    assertThat(scan.findings())
        .extracting(SecretScan.Finding::where)
        .containsExactly("a status", "a ConfigMap");
  }

  @Test
  void keysHashesAndTokensAreFoundByTheirShapeAlone() {
    SecretScan scan =
        SecretScan.of(List.of())
            .text("key", "-----BEGIN EC PRIVATE KEY-----\nMHc...")
            .text("pkcs8", "-----BEGIN PRIVATE KEY-----")
            .text("hash", "entry " + HASH)
            .text(
                "token",
                "Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ");

    assertThat(scan.findings())
        .extracting(SecretScan.Finding::toString)
        .containsExactlyInAnyOrder(
            "key holds a private key",
            "pkcs8 holds a private key",
            "hash holds a bcrypt hash",
            "token holds a signed JWT");
  }

  @Test
  void ofAServiceAccountTokenSecretOnlyTheTokenIsSecret() {
    Secret token =
        new SecretBuilder()
            .withNewMetadata()
            .withNamespace("registry-demo")
            .withName("default-token-x7k2q")
            .endMetadata()
            .withType("kubernetes.io/service-account-token")
            .withStringData(Map.of("namespace", "registry-demo", "token", "sa-token-value"))
            .build();

    SecretScan scan =
        SecretScan.of(List.of(token))
            .text("an Event", "Pulled in namespace registry-demo")
            .text("a log", "Authorization: Bearer sa-token-value");

    assertThat(scan.findings())
        .singleElement()
        .hasToString("a log holds the value of Secret registry-demo/default-token-x7k2q key token");
  }

  @Test
  void certificatesUserNamesAndShortValuesAreNotSecret() {
    SecretScan scan =
        SecretScan.of(SECRETS)
            .text(
                "a CA bundle",
                "-----BEGIN CERTIFICATE-----\nMIIBpublic\n user alice-the-user, bob:short, ca");

    assertThat(scan.findings()).isEmpty();
  }
}
