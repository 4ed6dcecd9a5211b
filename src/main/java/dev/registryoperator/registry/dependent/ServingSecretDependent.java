package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.TlsMaterial;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * The serving certificate from the registry's CA. It is kept up to date even while the pod serves a
 * user-supplied certificate, so that switching back needs no new issuance and nothing in the
 * workflow has to depend on a conditional step.
 */
public class ServingSecretDependent extends RegistryChildDependent<Secret> {

  public ServingSecretDependent() {
    super(Secret.class);
  }

  @Override
  String childName(RegistryNames names) {
    return names.tlsSecret();
  }

  @Override
  protected Secret desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    RegistryNames names = RegistryNames.of(registry);
    Secret caSecret =
        Secondaries.named(context, Secret.class, names.caSecret())
            .orElseThrow(() -> new IllegalStateException("CA Secret not yet in the cache"));
    Secret existing = Secondaries.named(context, Secret.class, names.tlsSecret()).orElse(null);
    return TlsMaterial.servingSecret(registry, existing, caSecret, ReconcileInputs.of(context).clock());
  }
}
