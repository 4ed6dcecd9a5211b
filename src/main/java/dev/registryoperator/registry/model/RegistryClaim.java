package dev.registryoperator.registry.model;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.StorageSpec;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;

/**
 * The registry's data claim. It is owned by the registry (and so deleted with it) only when the
 * user asked for that with deleteClaim; otherwise it outlives the registry, and a registry of the
 * same name picks it up again (see {@link Retention}).
 */
public final class RegistryClaim {

  private RegistryClaim() {}

  /** The claim the pod mounts: an adopted one, or ours. */
  public static String claimName(PrivateRegistry registry) {
    String existing = registry.getSpec().storage.existingClaim;
    return existing != null ? existing : RegistryNames.of(registry).claim();
  }

  public static PersistentVolumeClaim render(PrivateRegistry registry) {
    StorageSpec storage = registry.getSpec().storage;
    RegistryNames names = RegistryNames.of(registry);
    ObjectMeta metadata =
        Retention.metadata(registry, names.registry(), names.claim(), Components.STORAGE);
    return new PersistentVolumeClaimBuilder()
        .withMetadata(metadata)
        .withNewSpec()
        .withAccessModes(storage.accessModes.stream().map(Enum::name).toList())
        .withStorageClassName(storage.storageClassName)
        .withNewResources()
        .withRequests(
            Map.of(Keys.STORAGE_RESOURCE, new Quantity(Quantities.canonicalBinary(storage.size))))
        .endResources()
        .endSpec()
        .build();
  }
}
