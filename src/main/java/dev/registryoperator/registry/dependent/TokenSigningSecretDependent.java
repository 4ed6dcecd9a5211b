package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.AuthSpec.AuthMode;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.TokenAuth;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * Token mode's signing key, from the registry's CA; deleted when the registry leaves Token mode.
 */
public class TokenSigningSecretDependent extends RegistryChildDependent<Secret> {

  public TokenSigningSecretDependent() {
    super(Secret.class);
  }

  @Override
  String childName(RegistryNames names) {
    return names.tokenSigningSecret();
  }

  @Override
  protected Secret desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    RegistryInputs inputs = RegistryInputs.of(context);
    Secret caSecret = inputs.requiredCaSecret();
    return TokenAuth.signingSecret(
            registry, inputs.tokenSigningSecret().orElse(null), caSecret, inputs.clock())
        .secret();
  }

  /** Reconcile precondition: the registry is in Token mode. */
  public static class TokenMode implements Condition<Secret, PrivateRegistry> {
    @Override
    public boolean isMet(
        DependentResource<Secret, PrivateRegistry> dependent,
        PrivateRegistry registry,
        Context<PrivateRegistry> context) {
      return registry.getSpec().auth.mode == AuthMode.Token;
    }
  }
}
