package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.registry.model.RegistryClaim;
import dev.registryoperator.status.Problem;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Whether the API server can turn the existing data claim into the one spec.storage asks for. Most
 * of a claim is fixed once it exists: applying a different storage class, other access modes or a
 * smaller size is refused with 422 every time, so such a change is the user's to resolve, not
 * something to PATCH and retry. A claim can grow, but only when it is bound and its StorageClass
 * allows expansion (otherwise the PersistentVolumeClaimResize admission plugin refuses it).
 */
final class ClaimChanges {

  static final String CHANGE_NOT_POSSIBLE = "ClaimChangeNotPossible";
  static final String EXPANSION_NOT_ALLOWED = "ClaimExpansionNotAllowed";

  /**
   * Not the user's fault and resolved by the cluster: the growth follows once the claim is bound.
   */
  static final String NOT_BOUND = "ClaimNotBound";

  /** The API server refused an update this class did not foresee; its own words are quoted. */
  static final String UPDATE_REFUSED = "ClaimUpdateRefused";

  private static final String BOUND = "Bound";

  /** Still honoured by the API server before spec.storageClassName, and written by older tools. */
  private static final String BETA_STORAGE_CLASS_ANNOTATION =
      "volume.beta.kubernetes.io/storage-class";

  private ClaimChanges() {}

  /**
   * @param existing the registry's own claim as cached, or null when it does not exist yet
   * @param storageClasses looks a StorageClass up by name; asked only when the claim is to grow
   */
  static Optional<Problem> check(
      PrivateRegistry registry,
      PersistentVolumeClaim existing,
      Function<String, Optional<StorageClass>> storageClasses) {
    // An adopted claim (existingClaim) is never written, so nothing is asked of the API server.
    if (existing == null || registry.getSpec().storage.existingClaim != null) {
      return Optional.empty();
    }
    PersistentVolumeClaim wanted = RegistryClaim.render(registry);
    String claim = existing.getMetadata().getName();
    List<String> impossible = new ArrayList<>();

    String wantedClass = wanted.getSpec().getStorageClassName();
    String currentClass = existing.getSpec().getStorageClassName();
    // No class in the spec leaves the class to the cluster (default class admission fills it in):
    // that is no change. A claim without any class is left to the API server, too: newer ones
    // let a class be set on it (retroactive default StorageClass assignment), older ones refuse
    // with 422, which is then reported as UPDATE_REFUSED.
    if (wantedClass != null && currentClass != null && !wantedClass.equals(currentClass)) {
      impossible.add(
          "spec.storage.storageClassName is '"
              + wantedClass
              + "' but the claim's storage class is '"
              + currentClass
              + "', fixed when a claim is created");
    }
    // The order counts: the API server compares the list as a whole.
    List<String> wantedModes = wanted.getSpec().getAccessModes();
    List<String> currentModes = existing.getSpec().getAccessModes();
    if (!Objects.equals(wantedModes, currentModes)) {
      impossible.add(
          "spec.storage.accessModes is "
              + wantedModes
              + " but the claim's access modes are "
              + currentModes
              + ", fixed when a claim is created");
    }
    Quantity wantedSize = storageRequest(wanted);
    Quantity currentSize = storageRequest(existing);
    int growth =
        currentSize == null
            ? 0
            : wantedSize.getNumericalAmount().compareTo(currentSize.getNumericalAmount());
    if (growth < 0) {
      impossible.add(
          "spec.storage.size is "
              + wantedSize
              + " but the claim requests "
              + currentSize
              + ", and a claim cannot shrink");
    }
    if (!impossible.isEmpty()) {
      return Optional.of(
          new Problem(
              CHANGE_NOT_POSSIBLE,
              "Claim '"
                  + claim
                  + "' cannot be changed as spec.storage asks: "
                  + String.join("; ", impossible)
                  + ". Nothing was applied. "
                  + remedies(claim)));
    }
    if (growth > 0) {
      return growthProblem(existing, wantedSize, currentSize, storageClasses);
    }
    return Optional.empty();
  }

  /**
   * The server refused a claim update this class let through. Its message about a claim is safe to
   * quote; only its first line is: that names the field and the rule, and what may follow is a dump
   * of the whole claim spec (1.20 appends a diff whose -/+ read the wrong way round).
   */
  static Problem refusedByServer(String claim, String serverMessage) {
    String quoted = serverMessage.strip().lines().findFirst().orElse("").strip();
    return new Problem(
        UPDATE_REFUSED,
        "The API server refused to update claim '"
            + claim
            + "': "
            + quoted
            + (quoted.endsWith(".") ? " " : ". ")
            + remedies(claim));
  }

  private static Optional<Problem> growthProblem(
      PersistentVolumeClaim existing,
      Quantity wantedSize,
      Quantity currentSize,
      Function<String, Optional<StorageClass>> storageClasses) {
    String claim = existing.getMetadata().getName();
    String growing =
        "spec.storage.size " + wantedSize + " would grow claim '" + claim + "' from " + currentSize;
    String setBack = "Set spec.storage.size back to " + currentSize;
    String storageClass = storageClassOf(existing);
    if (storageClass == null || storageClass.isEmpty()) {
      return expansionNotAllowed(
          growing
              + ", but the claim has no storage class, and only a claim whose storage class allows"
              + " volume expansion can grow. Nothing was applied. "
              + setBack
              + "; or create a larger claim, copy the data and name it in spec.storage.existingClaim.");
    }
    Optional<StorageClass> found = storageClasses.apply(storageClass);
    if (found.isEmpty()) {
      return expansionNotAllowed(
          growing
              + ", but its storage class '"
              + storageClass
              + "' does not exist, so nothing says it allows volume expansion. Nothing was applied. "
              + setBack
              + ".");
    }
    if (!Boolean.TRUE.equals(found.get().getAllowVolumeExpansion())) {
      return expansionNotAllowed(
          growing
              + ", but its storage class '"
              + storageClass
              + "' does not allow volume expansion (allowVolumeExpansion is not true). Nothing was"
              + " applied. "
              + setBack
              + "; or have allowVolumeExpansion set on storage class '"
              + storageClass
              + "' - the operator looks again every minute.");
    }
    String phase = existing.getStatus() == null ? null : existing.getStatus().getPhase();
    if (!BOUND.equals(phase)) {
      return Optional.of(
          new Problem(
              NOT_BOUND,
              growing
                  + ", but the claim is not bound to a volume yet (phase "
                  + (phase == null ? "unknown" : phase)
                  + "), and only a bound claim can grow. Nothing was applied; the claim grows"
                  + " once it is bound. "
                  + setBack
                  + " to go on without waiting."));
    }
    return Optional.empty();
  }

  private static Optional<Problem> expansionNotAllowed(String message) {
    return Optional.of(new Problem(EXPANSION_NOT_ALLOWED, message));
  }

  /**
   * What can be done about a change the API server cannot make. The operator's claim is always
   * named {@code <registry>-data} and survives the registry unless deleteClaim is set, so a new
   * claim means either the user's own (existingClaim) or this one deleted and created anew.
   */
  private static String remedies(String claim) {
    return "Set spec.storage back to match the claim; or create a claim as you want it, copy the"
        + " data and name it in spec.storage.existingClaim; or delete claim '"
        + claim
        + "' and the registry's pod using it (the data goes with the claim) to have it created"
        + " again as spec.storage says.";
  }

  /** The class the API server and its admission plugins go by: the beta annotation first. */
  private static String storageClassOf(PersistentVolumeClaim claim) {
    Map<String, String> annotations = claim.getMetadata().getAnnotations();
    if (annotations != null && annotations.containsKey(BETA_STORAGE_CLASS_ANNOTATION)) {
      return annotations.get(BETA_STORAGE_CLASS_ANNOTATION);
    }
    return claim.getSpec().getStorageClassName();
  }

  private static Quantity storageRequest(PersistentVolumeClaim claim) {
    if (claim.getSpec().getResources() == null
        || claim.getSpec().getResources().getRequests() == null) {
      return null;
    }
    return claim.getSpec().getResources().getRequests().get(Keys.STORAGE_RESOURCE);
  }
}
