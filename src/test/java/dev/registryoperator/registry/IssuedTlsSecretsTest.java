package dev.registryoperator.registry;

import static dev.registryoperator.testing.Fixtures.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.kube.SecretData;
import dev.registryoperator.status.Problem;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.KeyAndCertificate;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.CertificateBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With spec.tls.issuerRef: when the Secret cert-manager writes is served, and what the registry
 * says until it is - in words that never quote the Secret's content.
 */
class IssuedTlsSecretsTest {

  private static KeyAndCertificate issuer;
  private static KeyAndCertificate issued;
  private static KeyAndCertificate otherIssued;

  @BeforeAll
  static void issue() {
    CertificateAuthority authority = CertificateAuthority.generate("issuer CA", CLOCK);
    issuer = authority.keyAndCertificate();
    issued = authority.issueServerCertificate(List.of("demo"), Duration.ofDays(30), CLOCK);
    otherIssued = authority.issueServerCertificate(List.of("demo"), Duration.ofDays(30), CLOCK);
  }

  @Test
  void aUsablePairIsServedWithOrWithoutTheIssuersCa() {
    assertThat(pending(secret(issued.certificatePem(), issued.keyPem(), issuer.certificatePem())))
        .isEmpty();
    assertThat(pending(secret(issued.certificatePem(), issued.keyPem(), null))).isEmpty();
  }

  @Test
  void untilTheSecretExistsTheCertificateIsPendingAndCertManagersWordsAreQuoted() {
    Certificate failing =
        certificate("False", "Referenced \"Issuer\" not found: issuer.cert-manager.io \"x\"");

    Optional<Problem> problem =
        IssuedTlsSecrets.pending("demo", "demo-cert-manager-tls", null, failing, CLOCK.instant());

    assertThat(problem)
        .hasValueSatisfying(
            p -> {
              assertThat(p.reason()).isEqualTo("CertificatePending");
              assertThat(p.message())
                  .startsWith(
                      "Waiting for cert-manager to issue Certificate 'demo' into Secret"
                          + " 'demo-cert-manager-tls'.")
                  .contains("cert-manager: Referenced \"Issuer\" not found")
                  .endsWith("Meanwhile the proxy serves a certificate of the operator's CA.");
            });
    assertThat(
            IssuedTlsSecrets.pending("demo", "demo-cert-manager-tls", null, null, CLOCK.instant()))
        .as("before cert-manager has said anything")
        .hasValueSatisfying(p -> assertThat(p.message()).doesNotContain("cert-manager:"));
  }

  @Test
  void aReadyConditionIsNotQuotedAsAReason() {
    assertThat(
            IssuedTlsSecrets.pending(
                "demo",
                "demo-cert-manager-tls",
                null,
                certificate("True", "Certificate is up to date"),
                CLOCK.instant()))
        .hasValueSatisfying(p -> assertThat(p.message()).doesNotContain("up to date"));
  }

  @Test
  void aPairThatDoesNotBelongTogetherIsNotServedAndTheKeyIsNeverQuoted() {
    Secret mismatched =
        secret(issued.certificatePem(), otherIssued.keyPem(), issuer.certificatePem());

    assertThat(pending(mismatched))
        .hasValueSatisfying(
            p -> {
              assertThat(p.reason()).isEqualTo("CertificatePending");
              assertThat(p.message())
                  .contains("cannot be served yet", "does not belong to the certificate")
                  .doesNotContain("PRIVATE KEY", "BEGIN");
            });
  }

  @Test
  void anUnreadableIssuerCaIsNotPublished() {
    assertThat(pending(secret(issued.certificatePem(), issued.keyPem(), "not a certificate")))
        .hasValueSatisfying(p -> assertThat(p.message()).contains("ca.crt"));
  }

  @Test
  void anExpiredCertificateWaitsForItsRenewal() {
    Instant afterExpiry = CLOCK.instant().plus(Duration.ofDays(31));

    assertThat(
            IssuedTlsSecrets.pending(
                "demo",
                "demo-cert-manager-tls",
                secret(issued.certificatePem(), issued.keyPem(), issuer.certificatePem()),
                null,
                afterExpiry))
        .hasValueSatisfying(p -> assertThat(p.message()).contains("expired at"));
  }

  @Test
  void withoutCertManagerAnIssuerIsAnInputProblemAndWithoutAnIssuerNoneAtAll() {
    assertThat(IssuedTlsSecrets.notInstalled(true, false))
        .hasValueSatisfying(
            p -> {
              assertThat(p.reason()).isEqualTo("CertManagerNotInstalled");
              assertThat(p.message()).contains("certificates.cert-manager.io");
            });
    assertThat(IssuedTlsSecrets.notInstalled(true, true)).isEmpty();
    assertThat(IssuedTlsSecrets.notInstalled(false, false))
        .as("registries without issuerRef do not care whether cert-manager exists")
        .isEmpty();
  }

  private static Optional<Problem> pending(Secret secret) {
    return IssuedTlsSecrets.pending("demo", "demo-cert-manager-tls", secret, null, CLOCK.instant());
  }

  private static Certificate certificate(String ready, String message) {
    return new CertificateBuilder()
        .withNewStatus()
        .addNewCondition()
        .withType("Ready")
        .withStatus(ready)
        .withMessage(message)
        .endCondition()
        .endStatus()
        .build();
  }

  private static Secret secret(String certificatePem, String keyPem, String caPem) {
    Map<String, String> data =
        caPem == null
            ? Map.of("tls.crt", certificatePem, "tls.key", keyPem)
            : Map.of("tls.crt", certificatePem, "tls.key", keyPem, "ca.crt", caPem);
    return new SecretBuilder()
        .withNewMetadata()
        .withName("demo-cert-manager-tls")
        .endMetadata()
        .withType("kubernetes.io/tls")
        .withData(SecretData.encode(data))
        .build();
  }
}
