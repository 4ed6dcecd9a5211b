package dev.registryoperator.kube;

import dev.registryoperator.naming.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Map;
import java.util.Set;

/**
 * Maps one of the operator's objects to the registry it belongs to, by the registry label every
 * child carries. The one mapper for that join: it works for children a registry owns, for the claim
 * it may not own, and for users' entries, which a user owns.
 */
public final class ByRegistryLabel {

  private ByRegistryLabel() {}

  public static Set<ResourceID> registryOf(HasMetadata child) {
    Map<String, String> labels = child.getMetadata().getLabels();
    String registry = labels == null ? null : labels.get(Labels.REGISTRY);
    return registry == null
        ? Set.of()
        : Set.of(new ResourceID(registry, child.getMetadata().getNamespace()));
  }
}
