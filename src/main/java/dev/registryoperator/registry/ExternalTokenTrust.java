package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.AuthSpec.AuthMode;
import dev.registryoperator.api.v1alpha1.ExternalTokenSpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistrySpec;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.status.Problem;
import dev.registryoperator.tls.Pem;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Optional;

/**
 * The certificates an external token server signs with, from the user's Secret. The registry reads
 * them once at start and refuses every token without them, so they are checked before the pod is
 * pointed at the Secret.
 */
final class ExternalTokenTrust {

  static final String NOT_FOUND = "TokenCertificatesNotFound";
  static final String INVALID = "TokenCertificatesInvalid";

  private ExternalTokenTrust() {}

  /** The Secret to read, in ExternalToken mode. */
  static Optional<String> secretName(PrivateRegistrySpec spec) {
    return spec.auth.mode == AuthMode.ExternalToken && spec.auth.externalToken != null
        ? Optional.of(spec.auth.externalToken.certificateSecret)
        : Optional.empty();
  }

  static Optional<Problem> check(PrivateRegistrySpec spec, Secret secret) {
    if (secretName(spec).isEmpty()) {
      return Optional.empty();
    }
    ExternalTokenSpec external = spec.auth.externalToken;
    String where =
        "Secret '"
            + external.certificateSecret
            + "' named in spec.auth.externalToken.certificateSecret";
    if (secret == null) {
      return Optional.of(new Problem(NOT_FOUND, "The " + where + " does not exist."));
    }
    Optional<String> bundle = SecretData.decode(secret, external.certificateKey);
    if (bundle.isEmpty()) {
      return Optional.of(
          new Problem(
              NOT_FOUND, "The " + where + " has no key '" + external.certificateKey + "'."));
    }
    try {
      Pem.certificate(bundle.get());
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of(
          new Problem(
              INVALID,
              "The "
                  + where
                  + " holds no readable PEM certificate under '"
                  + external.certificateKey
                  + "': the registry could verify no token."));
    }
  }
}
