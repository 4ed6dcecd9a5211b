package dev.registryoperator.user.dependent;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.NamedChildDependent;
import dev.registryoperator.naming.UserSecretNames;
import dev.registryoperator.roster.EntrySecret;
import dev.registryoperator.user.model.UserPermissions;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * The user's bcrypt hash. Hashes only when the password's source changed: the same Secret version,
 * key and cost reuse the stored hash, so resyncs and restarts cost no bcrypt and change no byte.
 */
public class EntrySecretDependent extends NamedChildDependent<Secret, RegistryUser> {

  public EntrySecretDependent() {
    super(Secret.class);
  }

  @Override
  protected Secret desired(RegistryUser user, Context<RegistryUser> context) {
    UserInputs inputs = UserInputs.of(context);
    UserInputs.Password password = inputs.password(user);
    String hash =
        EntrySecret.reuseOrHash(
            getSecondaryResource(user, context).orElse(null),
            password.source(),
            () ->
                password
                    .hash()
                    .orElseGet(
                        () ->
                            inputs
                                .hasher()
                                .hash(
                                    password
                                        .value()
                                        .orElseThrow(
                                            () -> new IllegalStateException("password not read")),
                                    inputs.bcryptCost())));
    return EntrySecret.render(
        user, inputs.username(), hash, password.source(), UserPermissions.of(user.getSpec()));
  }

  @Override
  protected String targetName(RegistryUser user) {
    return UserSecretNames.of(user).entrySecret();
  }

  /** Reconcile precondition: the user is valid. An invalid user's entry is deleted. */
  public static class UserValid implements Condition<Secret, RegistryUser> {
    @Override
    public boolean isMet(
        DependentResource<Secret, RegistryUser> dependent,
        RegistryUser user,
        Context<RegistryUser> context) {
      return UserInputs.of(context).valid();
    }
  }
}
