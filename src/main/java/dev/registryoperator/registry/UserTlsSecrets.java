package dev.registryoperator.registry;

import dev.registryoperator.status.Problem;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Instant;
import java.util.Optional;

/** Checks a user-supplied serving Secret before the pod is pointed at it. */
final class UserTlsSecrets {

  static final String NOT_FOUND = "TlsSecretNotFound";
  static final String INVALID = "TlsSecretInvalid";

  private UserTlsSecrets() {}

  /**
   * @param name spec.tls.secretName, or null when the operator issues the certificate
   * @param secret the Secret of that name, or null when it does not exist
   * @param now an expired certificate is refused: clients would refuse it
   */
  static Optional<Problem> check(String name, Secret secret, Instant now) {
    if (name == null) {
      return Optional.empty();
    }
    if (secret == null) {
      return Optional.of(
          new Problem(
              NOT_FOUND,
              "The TLS Secret '" + name + "' named in spec.tls.secretName does not exist."));
    }
    // nginx would refuse to start with a pair that does not fit, and clients would be handed a
    // CA bundle they cannot read: both are found here, before the pod is pointed at the Secret.
    return TlsSecretContent.defect(secret)
        .or(() -> TlsSecretContent.caCertificateDefect(secret))
        .map(
            defect ->
                new Problem(
                    INVALID,
                    "The TLS Secret '"
                        + name
                        + "' named in spec.tls.secretName cannot be served: "
                        + defect
                        + ". It needs tls.crt and tls.key in PEM, the key unencrypted and belonging"
                        + " to the certificate (ca.crt is optional)."))
        .or(() -> expired(name, secret, now));
  }

  /**
   * Switching a serving registry to an expired certificate would only break every client: the
   * registry keeps what it serves until the Secret is renewed.
   */
  private static Optional<Problem> expired(String name, Secret secret, Instant now) {
    return TlsSecretContent.expiry(secret)
        .filter(notAfter -> !notAfter.isAfter(now))
        .map(
            notAfter ->
                new Problem(
                    INVALID,
                    "The TLS Secret '"
                        + name
                        + "' named in spec.tls.secretName cannot be served: its certificate"
                        + " expired at "
                        + notAfter
                        + ". Renew it, or remove spec.tls.secretName to serve a certificate of"
                        + " the operator's CA."));
  }
}
