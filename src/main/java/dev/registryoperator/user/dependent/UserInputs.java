package dev.registryoperator.user.dependent;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.UserSecretNames;
import dev.registryoperator.roster.EntrySecret;
import dev.registryoperator.user.model.PasswordHasher;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one place a user's dependents read from: what the reconciler established before the workflow,
 * and the user's own Secrets as they are now - including a generated password the workflow has just
 * created, which is why those are read on demand. Travels in the workflow context because the
 * framework creates the dependents. Holds a password for this reconcile only; toString leaves it
 * out.
 */
public final class UserInputs {

  private static final String KEY = UserInputs.class.getName();

  private final boolean valid;
  private final String username;
  private final int bcryptCost;
  private final List<String> hosts;
  private final String caPem;
  private final Password password;
  private final PasswordHasher hasher;
  private final Function<String, Optional<Secret>> ownSecret;

  /**
   * What the reconcile knows of the password.
   *
   * @param source where it comes from (see {@code EntrySecret.passwordSource})
   * @param value the password, when it was read or is in the pull Secret
   * @param hash the entry's hash of it, when the password has not changed since the entry was made
   */
  public record Password(String source, Optional<String> value, Optional<String> hash) {
    @Override
    public String toString() {
      return "Password[" + source + "]";
    }
  }

  /**
   * @param valid whether the user may be in the registry's htpasswd file; when false, only the
   *     generated password (if any) is kept and the other fields may be null
   * @param hosts host:port pairs of the registry, for the pull Secret
   * @param caPem the registry's CA certificate, or null
   * @param password null for a generated password: it is read from its Secret, which may be created
   *     in this very reconcile
   * @param ownSecret the user's own Secrets in the cache, by name
   */
  public UserInputs(
      boolean valid,
      String username,
      int bcryptCost,
      List<String> hosts,
      String caPem,
      Password password,
      PasswordHasher hasher,
      Function<String, Optional<Secret>> ownSecret) {
    this.valid = valid;
    this.username = username;
    this.bcryptCost = bcryptCost;
    this.hosts = hosts;
    this.caPem = caPem;
    this.password = password;
    this.hasher = hasher;
    this.ownSecret = ownSecret;
  }

  public void attachTo(Context<RegistryUser> context) {
    context.managedWorkflowAndDependentResourceContext().put(KEY, this);
  }

  static UserInputs of(Context<RegistryUser> context) {
    return context.managedWorkflowAndDependentResourceContext().getMandatory(KEY, UserInputs.class);
  }

  boolean valid() {
    return valid;
  }

  String username() {
    return username;
  }

  int bcryptCost() {
    return bcryptCost;
  }

  List<String> hosts() {
    return hosts;
  }

  String caPem() {
    return caPem;
  }

  PasswordHasher hasher() {
    return hasher;
  }

  Optional<Secret> ownSecret(String name) {
    return ownSecret.apply(name);
  }

  /** The password's source and, when it was read, the password. */
  Password password(RegistryUser user) {
    if (password != null) {
      return password;
    }
    Secret generated =
        ownSecret(UserSecretNames.of(user).credentialsSecret())
            .orElseThrow(
                () -> new IllegalStateException("generated password not yet in the cache"));
    return new Password(
        EntrySecret.passwordSource(generated, Keys.PASSWORD, bcryptCost),
        SecretData.decode(generated, Keys.PASSWORD),
        Optional.empty());
  }

  @Override
  public String toString() {
    return "UserInputs[valid=" + valid + ", username=" + username + ", " + password + "]";
  }
}
