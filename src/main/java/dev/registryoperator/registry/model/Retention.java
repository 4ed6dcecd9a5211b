package dev.registryoperator.registry.model;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.OwnedMetadata;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a registry of the same name must find again after its registry was deleted: the claim with
 * the images, and the CA every client was told to trust. Both are owned by the registry (and so
 * deleted with it by Kubernetes) only when the user set deleteClaim; otherwise they carry our
 * labels and no owner reference, and are found again by name.
 */
public final class Retention {

  private Retention() {}

  /** Whether the registry's retained children go with it. */
  public static boolean deletedWithRegistry(PrivateRegistry registry) {
    return registry.getSpec().storage.deleteClaim;
  }

  /** Metadata of a retained child: owned only with deleteClaim. */
  static ObjectMeta metadata(
      PrivateRegistry registry, String registryName, String name, String component) {
    return deletedWithRegistry(registry)
        ? OwnedMetadata.owned(registry, registryName, name, component)
        : OwnedMetadata.unowned(registry, registryName, name, component);
  }

  /**
   * The owner references an existing retained child should have: its own, without a controller
   * reference to the registry, plus one when deleteClaim is set. References someone else added are
   * kept as they are.
   */
  public static List<OwnerReference> ownerReferences(PrivateRegistry registry, HasMetadata child) {
    List<OwnerReference> references = new ArrayList<>();
    List<OwnerReference> existing = child.getMetadata().getOwnerReferences();
    if (existing != null) {
      existing.stream()
          .filter(reference -> !isControllerOf(registry, reference))
          .forEach(references::add);
    }
    if (deletedWithRegistry(registry)) {
      references.add(OwnedMetadata.controllerReference(registry));
    }
    return references;
  }

  private static boolean isControllerOf(PrivateRegistry registry, OwnerReference reference) {
    return Boolean.TRUE.equals(reference.getController())
        && Objects.equals(reference.getUid(), registry.getMetadata().getUid());
  }
}
