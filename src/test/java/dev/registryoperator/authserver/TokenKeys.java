package dev.registryoperator.authserver;

import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.KeyAndCertificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** A CA and a token signing certificate it issued, as the operator would put them in a Secret. */
record TokenKeys(CertificateAuthority ca, KeyAndCertificate signer) {

  static TokenKeys generate() {
    Clock clock = Clock.systemUTC();
    CertificateAuthority ca = CertificateAuthority.generate("test-registry-ca", clock);
    KeyAndCertificate signer =
        ca.issueServerCertificate(List.of("token-signer"), Duration.ofDays(30), clock);
    return new TokenKeys(ca, signer);
  }

  String keyPem() {
    return signer.keyPem();
  }

  /** Signing certificate first, then the CA. */
  String chainPem() {
    return signer.certificatePem() + ca.keyAndCertificate().certificatePem();
  }

  SigningKey signingKey() {
    return SigningKey.parse(keyPem(), chainPem());
  }
}
