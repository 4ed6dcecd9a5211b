package dev.registryoperator.naming;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import java.util.List;

/**
 * Names of a RegistryUser's children. Their suffixes differ from every registry child suffix, so a
 * user and a registry can never claim the same Secret name.
 */
public final class UserSecretNames {

  private final String user;

  private UserSecretNames(String user) {
    this.user = user;
  }

  public static UserSecretNames of(RegistryUser user) {
    return new UserSecretNames(user.getMetadata().getName());
  }

  /** The operator-generated password, when the user references none. */
  public String credentialsSecret() {
    return user + "-password";
  }

  /** The kubernetes.io/dockerconfigjson Secret for imagePullSecrets. */
  public String pullSecret() {
    return user + "-pull-secret";
  }

  /** The Secrets the operator makes from the user's password (which they then hold). */
  public List<String> madeFromPassword() {
    return List.of(pullSecret(), entrySecret());
  }

  /** The user's bcrypt hash, from which the registry assembles its htpasswd file. */
  public String entrySecret() {
    return user + "-htpasswd-entry";
  }
}
