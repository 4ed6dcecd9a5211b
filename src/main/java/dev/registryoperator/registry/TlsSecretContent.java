package dev.registryoperator.registry;

import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.tls.KeyAndCertificate;
import dev.registryoperator.tls.Pem;
import io.fabric8.kubernetes.api.model.Secret;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;

/**
 * What is wrong with the certificate and key of a kubernetes.io/tls Secret, in words fit for a
 * status message: which key is missing or unreadable, or that the two do not belong together. The
 * words never quote the Secret's content - it holds a private key.
 */
final class TlsSecretContent {

  private TlsSecretContent() {}

  /** The defect of the Secret's tls.crt and tls.key, or empty when they are a usable pair. */
  static Optional<String> defect(Secret secret) {
    Optional<String> certificatePem = SecretData.decode(secret, Keys.TLS_CERT);
    Optional<String> keyPem = SecretData.decode(secret, Keys.TLS_KEY);
    if (certificatePem.isEmpty() && keyPem.isEmpty()) {
      return Optional.of(Keys.TLS_CERT + " and " + Keys.TLS_KEY + " are missing");
    }
    if (certificatePem.isEmpty() || keyPem.isEmpty()) {
      return Optional.of((certificatePem.isEmpty() ? Keys.TLS_CERT : Keys.TLS_KEY) + " is missing");
    }
    X509Certificate certificate;
    try {
      certificate = Pem.certificate(certificatePem.get());
    } catch (IllegalArgumentException unreadable) {
      return Optional.of(Keys.TLS_CERT + " holds no readable PEM certificate");
    }
    PrivateKey key;
    try {
      key = Pem.privateKey(keyPem.get());
    } catch (IllegalArgumentException unreadable) {
      return Optional.of(
          Keys.TLS_KEY + " holds no readable PEM private key (an unencrypted one is needed)");
    }
    if (!new KeyAndCertificate(certificate, key).keyMatchesCertificate()) {
      return Optional.of(
          "the key in " + Keys.TLS_KEY + " does not belong to the certificate in " + Keys.TLS_CERT);
    }
    return Optional.empty();
  }

  /** When the certificate in tls.crt expires; empty when there is no readable one. */
  static Optional<Instant> expiry(Secret secret) {
    try {
      return SecretData.decode(secret, Keys.TLS_CERT)
          .map(Pem::certificate)
          .map(certificate -> certificate.getNotAfter().toInstant());
    } catch (IllegalArgumentException unreadable) {
      return Optional.empty();
    }
  }

  /** The defect of an optional ca.crt, or empty when it is absent or a readable certificate. */
  static Optional<String> caCertificateDefect(Secret secret) {
    Optional<String> caPem = SecretData.decode(secret, Keys.CA_CERT);
    if (caPem.isEmpty()) {
      return Optional.empty();
    }
    try {
      Pem.certificate(caPem.get());
      return Optional.empty();
    } catch (IllegalArgumentException unreadable) {
      return Optional.of(Keys.CA_CERT + " holds no readable PEM certificate");
    }
  }
}
