package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.TlsMaterial;
import dev.registryoperator.registry.model.TlsMaterial.ServingCertificate;
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

  /** The reissue decision is made here, once per reconcile; create and update only report it. */
  @Override
  protected Secret desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    RegistryInputs inputs = RegistryInputs.of(context);
    Secret caSecret = inputs.requiredCaSecret();
    ServingCertificate decision =
        TlsMaterial.servingCertificate(
            registry, inputs.servingSecret().orElse(null), caSecret, inputs.clock());
    inputs.changes().servingCertificateDecided(decision.reissueReason());
    return decision.secret();
  }

  @Override
  public Secret create(Secret desired, PrivateRegistry registry, Context<PrivateRegistry> context) {
    Secret created = super.create(desired, registry, context);
    RegistryInputs.of(context).changes().servingCertificateWritten(true);
    return created;
  }

  @Override
  public Secret update(
      Secret actual, Secret desired, PrivateRegistry registry, Context<PrivateRegistry> context) {
    Secret updated = super.update(actual, desired, registry, context);
    RegistryInputs.of(context).changes().servingCertificateWritten(false);
    return updated;
  }
}
