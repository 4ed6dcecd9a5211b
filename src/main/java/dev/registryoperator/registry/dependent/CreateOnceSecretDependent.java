package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.NamedChildDependent;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * A Secret of generated material (a CA, the http secret): created when missing and never
 * regenerated, so neither a restart nor a resync can replace it. Not an Updater of its data on
 * purpose; whether it is garbage-collected with the registry is the subclass's to say.
 */
abstract class CreateOnceSecretDependent
    extends KubernetesDependentResource<Secret, PrivateRegistry>
    implements Creator<Secret, PrivateRegistry> {

  CreateOnceSecretDependent() {
    super(Secret.class);
  }

  abstract String childName(RegistryNames names);

  @Override
  protected ResourceID targetSecondaryResourceID(
      PrivateRegistry primary, Context<PrivateRegistry> context) {
    return NamedChildDependent.idInNamespaceOf(primary, childName(RegistryNames.of(primary)));
  }
}
