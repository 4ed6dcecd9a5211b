package dev.registryoperator.user.dependent;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.NamedChildDependent;
import dev.registryoperator.naming.UserSecretNames;
import dev.registryoperator.user.model.PullSecret;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** The user's image pull Secret for the registry's hosts, with the registry's CA. */
public class PullSecretDependent extends NamedChildDependent<Secret, RegistryUser> {

  public PullSecretDependent() {
    super(Secret.class);
  }

  @Override
  protected Secret desired(RegistryUser user, Context<RegistryUser> context) {
    UserInputs inputs = UserInputs.of(context);
    UserInputs.Password password = inputs.password(user);
    String value =
        password.value().orElseThrow(() -> new IllegalStateException("password not read"));
    return PullSecret.render(
        user, inputs.username(), value, password.source(), inputs.hosts(), inputs.caPem());
  }

  @Override
  protected String targetName(RegistryUser user) {
    return UserSecretNames.of(user).pullSecret();
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
