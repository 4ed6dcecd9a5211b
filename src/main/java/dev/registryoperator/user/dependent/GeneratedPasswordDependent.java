package dev.registryoperator.user.dependent;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.NamedChildDependent;
import dev.registryoperator.naming.UserSecretNames;
import dev.registryoperator.user.model.GeneratedPassword;
import dev.registryoperator.user.model.Passwords;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.api.reconciler.dependent.ReconcileResult;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * The password the operator generates for a user that references none: created when missing and
 * never updated (not an Updater on purpose), so neither a restart nor a resync can change it.
 *
 * <p>The entry and the pull Secret depend on it. It therefore has no reconcile precondition: the
 * framework deletes the dependents of a step whose precondition fails. A user with a password of
 * its own is skipped here instead.
 */
public class GeneratedPasswordDependent extends KubernetesDependentResource<Secret, RegistryUser>
    implements Creator<Secret, RegistryUser>, GarbageCollected<RegistryUser> {

  public GeneratedPasswordDependent() {
    super(Secret.class);
  }

  @Override
  public ReconcileResult<Secret> reconcile(RegistryUser user, Context<RegistryUser> context) {
    return user.getSpec().passwordSecretRef == null
        ? super.reconcile(user, context)
        : ReconcileResult.noOperation(null);
  }

  @Override
  protected Secret desired(RegistryUser user, Context<RegistryUser> context) {
    return GeneratedPassword.render(user, Passwords.generate());
  }

  @Override
  protected ResourceID targetSecondaryResourceID(RegistryUser user, Context<RegistryUser> context) {
    return NamedChildDependent.idInNamespaceOf(user, UserSecretNames.of(user).credentialsSecret());
  }
}
