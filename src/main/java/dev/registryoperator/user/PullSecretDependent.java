package dev.registryoperator.user;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.NamedChildDependent;
import dev.registryoperator.naming.UserNames;
import dev.registryoperator.user.model.UserSecrets;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;

import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

public class PullSecretDependent extends NamedChildDependent<Secret, RegistryUser> {

  public PullSecretDependent() {
    super(Secret.class);
  }

  @Override
  protected Secret desired(RegistryUser user, Context<RegistryUser> context) {
    UserInputs inputs = UserInputs.of(context);
    return UserSecrets.pullSecret(
        user, inputs.username(), inputs.password(), inputs.hosts(), inputs.caPem());
  }

  @Override
  protected String targetName(RegistryUser user) {
    return UserNames.of(user).pullSecret();
  }

  /** Reconcile precondition: the user is valid and wants a pull Secret. */
  public static class Wanted implements Condition<Secret, RegistryUser> {
    @Override
    public boolean isMet(
        DependentResource<Secret, RegistryUser> dependent,
        RegistryUser user,
        Context<RegistryUser> context) {
      return user.getSpec().pullSecret && UserInputs.of(context).valid();
    }
  }
}
