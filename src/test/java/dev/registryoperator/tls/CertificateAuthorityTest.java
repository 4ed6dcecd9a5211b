package dev.registryoperator.tls;

import static dev.registryoperator.testing.Fixtures.CLOCK;
import static dev.registryoperator.testing.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

  private static final List<String> NAMES =
      List.of(
          "demo",
          "demo.team-a",
          "demo.team-a.svc",
          "demo.team-a.svc.cluster.local",
          "registry.example.com");
  private static final Duration VALIDITY = Duration.ofDays(365);
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

  // Key generation is cheap with P-256, but one CA per class keeps the intent obvious.
  private static CertificateAuthority ca;
  private static KeyAndCertificate server;

  @BeforeAll
  static void issue() {
    ca = CertificateAuthority.generate("demo.team-a registry CA", CLOCK);
    server = ca.issueServerCertificate(NAMES, VALIDITY, CLOCK);
  }

  @Test
  void caCertificateIsACaThatMaySignCertificatesButNotIntermediates() throws Exception {
    X509Certificate certificate = ca.certificate();

    // getBasicConstraints is -1 for an end entity, else the path length: 0 = no intermediate CAs.
    assertThat(certificate.getBasicConstraints()).isZero();
    boolean[] keyUsage = certificate.getKeyUsage();
    assertThat(keyUsage[5]).as("keyCertSign").isTrue();
    assertThat(keyUsage[6]).as("cRLSign").isTrue();
    assertThat(keyUsage[0]).as("digitalSignature: a CA does not serve TLS").isFalse();
    assertThat(certificate.getCriticalExtensionOIDs())
        .as("basicConstraints and keyUsage are critical")
        .contains("2.5.29.19", "2.5.29.15");
  }

  @Test
  void caCertificateIsSelfSignedWithTheGivenCommonName() throws Exception {
    X509Certificate certificate = ca.certificate();

    certificate.verify(certificate.getPublicKey());
    assertThat(certificate.getSubjectX500Principal().getName())
        .isEqualTo("CN=demo.team-a registry CA,O=registry-operator");
    assertThat(certificate.getIssuerX500Principal())
        .isEqualTo(certificate.getSubjectX500Principal());
  }

  @Test
  void caIsBackdatedAFewMinutesAndValidForTenYears() {
    X509Certificate certificate = ca.certificate();

    // Clients whose clocks run slightly behind must not see a "not yet valid" CA.
    assertThat(certificate.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofMinutes(5)));
    assertThat(certificate.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(3650)));
  }

  @Test
  void keysAreEcdsaP256() {
    assertThat(ca.certificate().getPublicKey()).isInstanceOf(ECPublicKey.class);
    assertThat(
            ((ECPublicKey) server.certificate().getPublicKey())
                .getParams()
                .getCurve()
                .getField()
                .getFieldSize())
        .isEqualTo(256);
    assertThat(ca.certificate().getSigAlgName()).isEqualTo("SHA256withECDSA");
  }

  @Test
  void serverCertificateCarriesExactlyTheRequestedDnsNamesAndTheFirstAsCommonName() {
    X509Certificate certificate = server.certificate();

    assertThat(ServingCertificatePolicy.dnsNames(certificate))
        .containsExactlyInAnyOrderElementsOf(NAMES);
    assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=demo");
    assertThat(certificate.getIssuerX500Principal())
        .isEqualTo(ca.certificate().getSubjectX500Principal());
  }

  @Test
  void serverCertificateIsAnEndEntityForTlsServers() throws Exception {
    X509Certificate certificate = server.certificate();

    assertThat(certificate.getBasicConstraints()).as("not a CA").isEqualTo(-1);
    assertThat(certificate.getKeyUsage()[0]).as("digitalSignature (ECDHE)").isTrue();
    assertThat(certificate.getKeyUsage()[5]).as("keyCertSign").isFalse();
    assertThat(certificate.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
  }

  @Test
  void serverCertificateIsValidFromShortlyBeforeNowForTheRequestedValidity() {
    X509Certificate certificate = server.certificate();

    assertThat(certificate.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofMinutes(5)));
    assertThat(certificate.getNotAfter().toInstant()).isEqualTo(NOW.plus(VALIDITY));
  }

  @Test
  void everyIssuedCertificateHasItsOwnKeyAndSerial() {
    KeyAndCertificate other = ca.issueServerCertificate(NAMES, VALIDITY, CLOCK);

    assertThat(other.certificate().getSerialNumber())
        .isNotEqualTo(server.certificate().getSerialNumber());
    assertThat(other.certificate().getPublicKey())
        .isNotEqualTo(server.certificate().getPublicKey());
    assertThat(other.certificate().getSerialNumber().signum())
        .as("RFC 5280: positive serial")
        .isPositive();
  }

  @Test
  void serverCertificatePassesJdkPkixValidationWithTheCaAsTrustAnchor() throws Exception {
    pkixValidate(server.certificate(), ca.certificate(), NOW);
  }

  @Test
  void pkixValidationRejectsTheServerCertificateUnderAnotherCa() {
    CertificateAuthority stranger = CertificateAuthority.generate("stranger", CLOCK);

    // The negative control: proves the validation above actually checks the signature chain.
    assertThatThrownBy(() -> pkixValidate(server.certificate(), stranger.certificate(), NOW))
        .isInstanceOf(CertPathValidatorException.class);
  }

  @Test
  void pkixValidationRejectsTheServerCertificateAfterItsExpiry() {
    Instant afterExpiry = NOW.plus(VALIDITY).plus(Duration.ofDays(1));

    assertThatThrownBy(() -> pkixValidate(server.certificate(), ca.certificate(), afterExpiry))
        .isInstanceOf(CertPathValidatorException.class);
  }

  @Test
  void signedRecognisesOnlyCertificatesOfThisCa() {
    CertificateAuthority stranger = CertificateAuthority.generate("stranger", CLOCK);
    KeyAndCertificate foreign = stranger.issueServerCertificate(NAMES, VALIDITY, CLOCK);

    assertThat(ca.signed(server.certificate())).isTrue();
    assertThat(ca.signed(foreign.certificate())).isFalse();
    assertThat(stranger.signed(server.certificate())).isFalse();
  }

  @Test
  void aCaWithTheSameNameButAnotherKeyDoesNotClaimOurCertificates() {
    // Same subject, so only the signature check can tell them apart (a regenerated CA).
    CertificateAuthority twin = CertificateAuthority.generate("demo.team-a registry CA", CLOCK);

    assertThat(twin.certificate().getSubjectX500Principal())
        .isEqualTo(ca.certificate().getSubjectX500Principal());
    assertThat(twin.signed(server.certificate())).isFalse();
  }

  @Test
  void aServerCertificateNeedsAtLeastOneName() {
    assertThatThrownBy(() -> ca.issueServerCertificate(List.of(), VALIDITY, CLOCK))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aCaReadBackFromPemIssuesCertificatesTheOriginalRecognises() {
    KeyAndCertificate pair = ca.keyAndCertificate();
    CertificateAuthority readBack =
        new CertificateAuthority(KeyAndCertificate.fromPem(pair.certificatePem(), pair.keyPem()));

    KeyAndCertificate issued = readBack.issueServerCertificate(NAMES, VALIDITY, CLOCK);

    assertThat(ca.signed(issued.certificate())).isTrue();
  }

  @Test
  void opensslVerifiesTheServerCertificateForTlsServerUseAndItsHostNames(@TempDir Path dir)
      throws Exception {
    ExternalTool openssl = ExternalTool.openssl();
    Files.writeString(dir.resolve("ca.pem"), ca.keyAndCertificate().certificatePem());
    Files.writeString(dir.resolve("server.pem"), server.certificatePem());

    ExternalTool.Result result =
        openssl.run(
            dir,
            "verify",
            "-CAfile",
            "ca.pem",
            "-purpose",
            "sslserver",
            "-x509_strict",
            "-attime",
            Long.toString(NOW.getEpochSecond()),
            "-verify_hostname",
            "demo.team-a.svc",
            "server.pem");

    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("server.pem: OK");
  }

  @Test
  void opensslRejectsTheServerCertificateForAHostNameItDoesNotCarry(@TempDir Path dir)
      throws Exception {
    ExternalTool openssl = ExternalTool.openssl();
    Files.writeString(dir.resolve("ca.pem"), ca.keyAndCertificate().certificatePem());
    Files.writeString(dir.resolve("server.pem"), server.certificatePem());

    ExternalTool.Result result =
        openssl.run(
            dir,
            "verify",
            "-CAfile",
            "ca.pem",
            "-attime",
            Long.toString(NOW.getEpochSecond()),
            "-verify_hostname",
            "evil.example.com",
            "server.pem");

    assertThat(result.exitCode()).as(result.output()).isNotZero();
  }

  @Test
  void opensslRejectsTheServerCertificateUnderAnotherCa(@TempDir Path dir) throws Exception {
    ExternalTool openssl = ExternalTool.openssl();
    CertificateAuthority stranger = CertificateAuthority.generate("stranger", CLOCK);
    Files.writeString(dir.resolve("ca.pem"), stranger.keyAndCertificate().certificatePem());
    Files.writeString(dir.resolve("server.pem"), server.certificatePem());

    ExternalTool.Result result =
        openssl.run(
            dir,
            "verify",
            "-CAfile",
            "ca.pem",
            "-attime",
            Long.toString(NOW.getEpochSecond()),
            "server.pem");

    assertThat(result.exitCode()).as(result.output()).isNotZero();
  }

  @Test
  void opensslReadsTheKeyAndFindsItMatchesTheCertificate(@TempDir Path dir) throws Exception {
    ExternalTool openssl = ExternalTool.openssl();
    Files.writeString(dir.resolve("tls.key"), server.keyPem());
    Files.writeString(dir.resolve("tls.crt"), server.certificatePem());

    ExternalTool.Result fromKey = openssl.run(dir, "pkey", "-in", "tls.key", "-pubout");
    ExternalTool.Result fromCertificate =
        openssl.run(dir, "x509", "-in", "tls.crt", "-noout", "-pubkey");

    assertThat(fromKey.exitCode()).as(fromKey.output()).isZero();
    assertThat(fromCertificate.exitCode()).as(fromCertificate.output()).isZero();
    assertThat(fromKey.output()).contains("BEGIN PUBLIC KEY").isEqualTo(fromCertificate.output());
  }

  private static void pkixValidate(
      X509Certificate certificate, X509Certificate trustAnchor, Instant at) throws Exception {
    var path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(certificate));
    PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(trustAnchor, null)));
    // Our CA publishes no CRL or OCSP responder; revocation is not part of this trust model.
    parameters.setRevocationEnabled(false);
    parameters.setDate(Date.from(at));
    CertPathValidator.getInstance("PKIX").validate(path, parameters);
  }
}
