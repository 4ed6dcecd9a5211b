package dev.registryoperator.registry;

import dev.registryoperator.status.Problem;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Optional;

/**
 * Checks the registry's own CA Secret. The operator creates it once and never rewrites it (a new CA
 * would have to be trusted by every client again), so a damaged one stays damaged until someone
 * restores or deletes it: a retry cannot help.
 */
final class CaSecrets {

  static final String INVALID = "CaSecretInvalid";

  private CaSecrets() {}

  /**
   * @param name the CA Secret's name
   * @param secret the CA Secret, or null when it does not exist yet (the workflow creates it)
   * @param caBundle the ConfigMap that publishes the CA to clients
   */
  static Optional<Problem> check(String name, Secret secret, String caBundle) {
    if (secret == null) {
      return Optional.empty();
    }
    return TlsSecretContent.defect(secret)
        .map(
            defect ->
                new Problem(
                    INVALID,
                    "The registry's CA Secret '"
                        + name
                        + "' cannot be used: "
                        + defect
                        + ". Restore it from a backup; or delete it to have a new CA generated -"
                        + " clients must then trust the new CA, published in ConfigMap '"
                        + caBundle
                        + "'."));
  }
}
