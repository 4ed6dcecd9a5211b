package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.AuthSecrets;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;

/** The registry's http secret, generated once and deleted with the registry. */
public class HttpSecretDependent extends CreateOnceSecretDependent
    implements GarbageCollected<PrivateRegistry> {

  @Override
  String childName(RegistryNames names) {
    return names.httpSecret();
  }

  @Override
  protected Secret desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    return AuthSecrets.httpSecret(registry, AuthSecrets.newHttpSecret());
  }
}
