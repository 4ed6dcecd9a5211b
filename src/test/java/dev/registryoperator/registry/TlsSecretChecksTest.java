package dev.registryoperator.registry;

import static dev.registryoperator.testing.Fixtures.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.kube.SecretData;
import dev.registryoperator.status.Problem;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.KeyAndCertificate;
import dev.registryoperator.tls.Pem;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The checks of a user's serving Secret (spec.tls.secretName) and of the registry's own CA Secret:
 * which Secret, what is wrong with it, and never a word of its content.
 */
class TlsSecretChecksTest {

  private static KeyAndCertificate ca;
  private static KeyAndCertificate server;
  private static KeyAndCertificate otherServer;

  @BeforeAll
  static void issue() {
    CertificateAuthority authority = CertificateAuthority.generate("test CA", CLOCK);
    ca = authority.keyAndCertificate();
    server = authority.issueServerCertificate(List.of("demo"), Duration.ofDays(30), CLOCK);
    otherServer = authority.issueServerCertificate(List.of("demo"), Duration.ofDays(30), CLOCK);
  }

  @Test
  void aMatchingPairIsServed() {
    assertThat(
            UserTlsSecrets.check(
                "own-cert", tlsSecret(server.certificatePem(), server.keyPem()), CLOCK.instant()))
        .isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"RSA", "Ed25519"})
  void keyTypesOtherThanOursAreAcceptedAndChecked(String algorithm) throws Exception {
    // cert-manager issues RSA keys by default: the match check must not assume ECDSA.
    KeyPair keys = KeyPairGenerator.getInstance(algorithm).generateKeyPair();
    KeyPair otherKeys = KeyPairGenerator.getInstance(algorithm).generateKeyPair();
    String certificate =
        Pem.encode(selfSigned(keys, algorithm.equals("RSA") ? "SHA256withRSA" : "Ed25519"));

    assertThat(
            UserTlsSecrets.check(
                "own-cert", tlsSecret(certificate, Pem.encode(keys.getPrivate())), CLOCK.instant()))
        .isEmpty();
    assertThat(
            UserTlsSecrets.check(
                "own-cert",
                tlsSecret(certificate, Pem.encode(otherKeys.getPrivate())),
                CLOCK.instant()))
        .hasValueSatisfying(
            problem ->
                assertThat(problem.message()).contains("does not belong to the certificate"));
  }

  @Test
  void anExpiredCertificateIsNotServed() {
    Secret secret = tlsSecret(server.certificatePem(), server.keyPem());
    Instant expiry = server.certificate().getNotAfter().toInstant();

    assertThat(UserTlsSecrets.check("own-cert", secret, expiry.minusSeconds(1))).isEmpty();
    assertThat(UserTlsSecrets.check("own-cert", secret, expiry))
        .hasValueSatisfying(
            problem -> {
              assertThat(problem.reason()).isEqualTo("TlsSecretInvalid");
              assertThat(problem.message())
                  .contains("'own-cert'", "expired at " + expiry, "Renew it");
              assertNoKeyMaterial(problem, server.keyPem());
            });
  }

  @Test
  void aMissingSecretIsNamed() {
    assertThat(UserTlsSecrets.check("own-cert", null, CLOCK.instant()))
        .hasValueSatisfying(
            problem -> {
              assertThat(problem.reason()).isEqualTo("TlsSecretNotFound");
              assertThat(problem.message()).contains("'own-cert'");
            });
  }

  @Test
  void aKeyOfAnotherCertificateIsInvalid() {
    Problem problem =
        UserTlsSecrets.check(
                "own-cert",
                tlsSecret(server.certificatePem(), otherServer.keyPem()),
                CLOCK.instant())
            .orElseThrow();

    assertThat(problem.reason()).isEqualTo("TlsSecretInvalid");
    assertThat(problem.message())
        .contains("'own-cert'")
        .contains("the key in tls.key does not belong to the certificate in tls.crt");
    assertNoKeyMaterial(problem, otherServer.keyPem());
  }

  @Test
  void eachDefectIsNamed() {
    assertThat(userDefect(Map.of())).contains("tls.crt and tls.key are missing");
    assertThat(userDefect(Map.of("tls.crt", server.certificatePem())))
        .contains("tls.key is missing");
    assertThat(userDefect(Map.of("tls.key", server.keyPem()))).contains("tls.crt is missing");
    assertThat(userDefect(Map.of("tls.crt", "garbage", "tls.key", server.keyPem())))
        .contains("tls.crt holds no readable PEM certificate");
    assertThat(userDefect(Map.of("tls.crt", server.certificatePem(), "tls.key", "garbage")))
        .contains("tls.key holds no readable PEM private key");
    // A certificate where the key should be: still no key.
    assertThat(
            userDefect(
                Map.of("tls.crt", server.certificatePem(), "tls.key", server.certificatePem())))
        .contains("tls.key holds no readable PEM private key");
    assertThat(
            userDefect(
                Map.of(
                    "tls.crt", server.certificatePem(),
                    "tls.key", server.keyPem(),
                    "ca.crt", "not a certificate")))
        .contains("ca.crt holds no readable PEM certificate");
  }

  @Test
  void aKeyThatDoesNotParseIsNeverQuoted() {
    // Half a key: unreadable, and still a secret.
    String halfAKey = server.keyPem().substring(0, server.keyPem().length() / 2);
    Problem problem =
        UserTlsSecrets.check(
                "own-cert", tlsSecret(server.certificatePem(), halfAKey), CLOCK.instant())
            .orElseThrow();

    assertNoKeyMaterial(problem, halfAKey);
  }

  @Test
  void anIntactCaSecretOrNoneYetIsFine() {
    assertThat(CaSecrets.check("demo-ca", null, "demo-ca-bundle")).isEmpty();
    assertThat(
            CaSecrets.check(
                "demo-ca", tlsSecret(ca.certificatePem(), ca.keyPem()), "demo-ca-bundle"))
        .isEmpty();
  }

  @Test
  void aDamagedCaSecretSaysWhatIsWrongAndWhatToDo() {
    Map<String, Secret> damaged = new LinkedHashMap<>();
    damaged.put("tls.key is missing", secret(Map.of("tls.crt", ca.certificatePem())));
    damaged.put("tls.crt holds no readable PEM certificate", tlsSecret("garbage", ca.keyPem()));
    damaged.put(
        "tls.key holds no readable PEM private key", tlsSecret(ca.certificatePem(), "garbage"));
    damaged.put(
        "does not belong to the certificate", tlsSecret(ca.certificatePem(), server.keyPem()));

    damaged.forEach(
        (defect, secret) -> {
          Problem problem = CaSecrets.check("demo-ca", secret, "demo-ca-bundle").orElseThrow();
          assertThat(problem.reason()).isEqualTo("CaSecretInvalid");
          assertThat(problem.message())
              .contains("CA Secret 'demo-ca'")
              .contains(defect)
              .contains("Restore it")
              .contains("delete it to have a new CA generated")
              .contains("clients must then trust the new CA")
              .contains("'demo-ca-bundle'");
          assertNoKeyMaterial(problem, ca.keyPem());
          assertNoKeyMaterial(problem, server.keyPem());
        });
  }

  private static String userDefect(Map<String, String> data) {
    Problem problem = UserTlsSecrets.check("own-cert", secret(data), CLOCK.instant()).orElseThrow();
    assertThat(problem.reason()).isEqualTo("TlsSecretInvalid");
    return problem.message();
  }

  private static void assertNoKeyMaterial(Problem problem, String keyPem) {
    String body =
        keyPem.lines().filter(line -> !line.startsWith("-----")).findFirst().orElseThrow();
    assertThat(problem.message()).doesNotContain(body).doesNotContain("PRIVATE KEY-----");
  }

  private static Secret tlsSecret(String certificatePem, String keyPem) {
    return secret(Map.of("tls.crt", certificatePem, "tls.key", keyPem));
  }

  private static Secret secret(Map<String, String> data) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName("some-secret")
        .endMetadata()
        .withType("kubernetes.io/tls")
        .withData(SecretData.encode(data))
        .build();
  }

  private static X509Certificate selfSigned(KeyPair keys, String signatureAlgorithm)
      throws Exception {
    X500Principal subject = new X500Principal("CN=registry.example.test");
    return new JcaX509CertificateConverter()
        .getCertificate(
            new JcaX509v3CertificateBuilder(
                    subject,
                    BigInteger.ONE,
                    Date.from(CLOCK.instant()),
                    Date.from(CLOCK.instant().plus(Duration.ofDays(30))),
                    subject,
                    keys.getPublic())
                .build(new JcaContentSignerBuilder(signatureAlgorithm).build(keys.getPrivate())));
  }
}
