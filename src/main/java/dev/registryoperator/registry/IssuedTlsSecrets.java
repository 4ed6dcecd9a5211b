package dev.registryoperator.registry;

import dev.registryoperator.registry.model.IssuedCertificate;
import dev.registryoperator.status.Problem;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.CertificateCondition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Instant;
import java.util.Optional;

/**
 * With spec.tls.issuerRef: whether cert-manager can be asked at all, and whether the Secret it
 * writes can be served yet. The Secret gets the same checks as a user-supplied one; until it passes
 * them the proxy keeps serving the operator's own certificate, so a registry is reachable from the
 * start and a switch to cert-manager never leaves it without a certificate.
 */
final class IssuedTlsSecrets {

  static final String NOT_INSTALLED = "CertManagerNotInstalled";
  static final String PENDING = "CertificatePending";

  /** The name the Certificate CRD is installed under. */
  static final String CERTIFICATE_CRD = HasMetadata.getFullResourceName(Certificate.class);

  private IssuedTlsSecrets() {}

  /**
   * Input problem: the user asked for cert-manager where there is none. Not retried: the CRD is
   * watched, and its arrival reconciles the registry.
   */
  static Optional<Problem> notInstalled(boolean issuerRequested, boolean certManagerInstalled) {
    if (!issuerRequested || certManagerInstalled) {
      return Optional.empty();
    }
    return Optional.of(
        new Problem(
            NOT_INSTALLED,
            "spec.tls.issuerRef needs cert-manager, but its Certificate CRD ("
                + CERTIFICATE_CRD
                + ") is not installed in the cluster. Install cert-manager (the registry is then"
                + " created at once), or remove spec.tls.issuerRef."));
  }

  /**
   * Why the Secret cert-manager writes cannot be served yet, or empty when it can.
   *
   * @param certificateName the registry's Certificate
   * @param secretName the Secret the Certificate names
   * @param secret that Secret, or null while it does not exist
   * @param certificate the Certificate as cert-manager last reported it, or null
   * @param now an expired certificate is not served
   */
  static Optional<Problem> pending(
      String certificateName,
      String secretName,
      Secret secret,
      Certificate certificate,
      Instant now) {
    String why;
    if (secret == null) {
      why =
          "Waiting for cert-manager to issue Certificate '"
              + certificateName
              + "' into Secret '"
              + secretName
              + "'.";
    } else {
      Optional<String> defect =
          TlsSecretContent.defect(secret)
              .or(() -> TlsSecretContent.caCertificateDefect(secret))
              .or(
                  () ->
                      TlsSecretContent.expiry(secret)
                          .filter(notAfter -> !notAfter.isAfter(now))
                          .map(notAfter -> "its certificate expired at " + notAfter));
      if (defect.isEmpty()) {
        return Optional.empty();
      }
      why =
          "The Secret '"
              + secretName
              + "' of Certificate '"
              + certificateName
              + "' cannot be served yet: "
              + defect.get()
              + ".";
    }
    return Optional.of(
        new Problem(
            PENDING,
            why
                + certManagerSays(certificate)
                + " Meanwhile the proxy serves a certificate of the operator's CA."));
  }

  /** cert-manager's own account of the Certificate, when it is not Ready and says why. */
  private static String certManagerSays(Certificate certificate) {
    return IssuedCertificate.readyCondition(certificate)
        .filter(ready -> !"True".equals(ready.getStatus()))
        .map(CertificateCondition::getMessage)
        .filter(message -> !message.isBlank())
        .map(message -> " cert-manager: " + message.strip() + (message.endsWith(".") ? "" : "."))
        .orElse("");
  }
}
