package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/** A child kept equal to its rendering and deleted with its registry. */
abstract class RegistryChildDependent<R extends HasMetadata>
    extends CRUDKubernetesDependentResource<R, PrivateRegistry> {

  RegistryChildDependent(Class<R> type) {
    super(type);
  }

  abstract String childName(RegistryNames names);

  /** Find the child by name: the default renders the whole desired object just to learn it. */
  @Override
  protected ResourceID targetSecondaryResourceID(
      PrivateRegistry primary, Context<PrivateRegistry> context) {
    return new ResourceID(
        childName(RegistryNames.of(primary)), primary.getMetadata().getNamespace());
  }
}
