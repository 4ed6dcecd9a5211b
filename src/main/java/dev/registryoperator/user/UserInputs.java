package dev.registryoperator.user;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.user.model.PasswordHasher;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;

/**
 * What the user reconciler established before running the dependents, handed to them through the
 * workflow context. Holds the password in memory for this reconcile only; never logged (toString
 * leaves it out).
 *
 * @param valid whether the user may be in the registry's htpasswd; when false the other fields but
 *     the hasher may be null
 * @param passwordSource where the password came from (Secret uid, version, key, cost)
 * @param hosts host:port pairs of the registry, for the pull Secret
 * @param caPem the registry's CA certificate, or null
 */
public record UserInputs(
    boolean valid,
    String username,
    String password,
    String passwordSource,
    int bcryptCost,
    List<String> hosts,
    String caPem,
    PasswordHasher hasher) {

  private static final String KEY = UserInputs.class.getName();

  static UserInputs invalid(PasswordHasher hasher) {
    return new UserInputs(false, null, null, null, 0, List.of(), null, hasher);
  }

  void attachTo(Context<RegistryUser> context) {
    context.managedWorkflowAndDependentResourceContext().put(KEY, this);
  }

  static UserInputs of(Context<RegistryUser> context) {
    return context.managedWorkflowAndDependentResourceContext().getMandatory(KEY, UserInputs.class);
  }

  @Override
  public String toString() {
    return "UserInputs[valid=" + valid + ", username=" + username + ", source=" + passwordSource + "]";
  }
}
