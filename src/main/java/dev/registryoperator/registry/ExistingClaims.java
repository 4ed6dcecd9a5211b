package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.status.Problem;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks the claim spec.storage.existingClaim names before the pod is pointed at it: a claim that
 * does not exist would leave the pod pending for ever, and one that another registry keeps its data
 * on would have two registries write one storage.
 */
final class ExistingClaims {

  static final String NOT_FOUND = "ExistingClaimNotFound";
  static final String IN_USE = "ExistingClaimInUse";

  private ExistingClaims() {}

  /**
   * @param claim the claim named in spec.storage.existingClaim, or null when it does not exist
   * @param registries the PrivateRegistries of the namespace, this one included
   */
  static Optional<Problem> check(
      PrivateRegistry registry,
      PersistentVolumeClaim claim,
      Collection<PrivateRegistry> registries) {
    String name = registry.getSpec().storage.existingClaim;
    if (name == null) {
      return Optional.empty();
    }
    if (claim == null) {
      return Optional.of(
          new Problem(
              NOT_FOUND,
              "The claim '"
                  + name
                  + "' named in spec.storage.existingClaim does not exist in this namespace."
                  + " Create it, or remove spec.storage.existingClaim. Nothing was applied."));
    }
    String self = registry.getMetadata().getName();
    Optional<String> user =
        registries.stream()
            .filter(other -> !other.getMetadata().getName().equals(self))
            .filter(other -> other.getMetadata().getDeletionTimestamp() == null)
            .filter(other -> uses(other, claim))
            .map(other -> other.getMetadata().getName())
            .sorted()
            .findFirst();
    return user.map(
        other ->
            new Problem(
                IN_USE,
                "The claim '"
                    + name
                    + "' named in spec.storage.existingClaim holds the data of PrivateRegistry '"
                    + other
                    + "': two registries cannot share one storage. Name a claim of its own."
                    + " Nothing was applied."));
  }

  /** The registry's own claim (made by the operator for it), or the claim it adopted. */
  private static boolean uses(PrivateRegistry registry, PersistentVolumeClaim claim) {
    String adopted = registry.getSpec().storage.existingClaim;
    if (adopted != null) {
      return adopted.equals(claim.getMetadata().getName());
    }
    Map<String, String> labels = claim.getMetadata().getLabels();
    return labels != null
        && Labels.OPERATOR_NAME.equals(labels.get(Labels.MANAGED_BY))
        && Objects.equals(registry.getMetadata().getName(), labels.get(Labels.REGISTRY));
  }
}
