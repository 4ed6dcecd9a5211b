package dev.registryoperator.registry;

import dev.registryoperator.naming.Keys;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.registry.model.TlsMaterial;
import dev.registryoperator.status.Problem;
import dev.registryoperator.tls.Pem;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Optional;

/** Checks a user-supplied serving Secret before the pod is pointed at it. */
final class UserTlsSecrets {

  private UserTlsSecrets() {}

  /**
   * @param name spec.tls.secretName, or null when the operator issues the certificate
   * @param secret the Secret of that name, or null when it does not exist
   */
  static Optional<Problem> check(String name, Secret secret) {
    if (name == null) {
      return Optional.empty();
    }
    if (secret == null) {
      return Optional.of(
          new Problem(
              "TlsSecretNotFound",
              "The TLS Secret '" + name + "' named in spec.tls.secretName does not exist."));
    }
    Optional<String> certificate = SecretData.decode(secret, Keys.TLS_CERT);
    if (certificate.isEmpty() || SecretData.decode(secret, Keys.TLS_KEY).isEmpty()) {
      return Optional.of(
          new Problem(
              "TlsSecretInvalid",
              "The TLS Secret '" + name + "' must hold tls.crt and tls.key."));
    }
    try {
      Pem.certificate(certificate.get());
    } catch (IllegalArgumentException e) {
      return Optional.of(
          new Problem(
              "TlsSecretInvalid",
              "The TLS Secret '" + name + "' has no readable PEM certificate in tls.crt."));
    }
    return Optional.empty();
  }
}
