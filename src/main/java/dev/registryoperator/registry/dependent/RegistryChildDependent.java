package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.NamedChildDependent;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** A child kept equal to its rendering and deleted with its registry. */
abstract class RegistryChildDependent<R extends HasMetadata>
    extends NamedChildDependent<R, PrivateRegistry> {

  RegistryChildDependent(Class<R> type) {
    super(type);
  }

  abstract String childName(RegistryNames names);

  @Override
  protected final String targetName(PrivateRegistry registry) {
    return childName(RegistryNames.of(registry));
  }
}
