package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.naming.UserNames;
import dev.registryoperator.user.model.EntrySecret;
import dev.registryoperator.user.model.Htpasswd;
import dev.registryoperator.user.model.Roster;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The users a registry's htpasswd file lists: for every username, the entry of the RegistryUser
 * holding it, if that user currently has a valid entry. Entries of users that are gone, invalid,
 * renamed but not yet re-entered, or that lost a duplicate are left out; nobody else is affected.
 */
public final class RegistryRoster {

  private RegistryRoster() {}

  /**
   * @param users the RegistryUsers referencing the registry
   * @param secretNamed looks up one of our Secrets in the namespace by name
   */
  public static List<Htpasswd.Entry> entries(
      Collection<RegistryUser> users, Function<String, Optional<Secret>> secretNamed) {
    List<Htpasswd.Entry> entries = new ArrayList<>();
    for (Map.Entry<String, RegistryUser> holder : Roster.holders(users).entrySet()) {
      RegistryUser user = holder.getValue();
      secretNamed
          .apply(UserNames.of(user).entrySecret())
          .filter(secret -> ownedBy(secret, user))
          .flatMap(EntrySecret::read)
          .filter(stored -> stored.username().equals(holder.getKey()))
          .ifPresent(stored -> entries.add(new Htpasswd.Entry(stored.username(), stored.hash())));
    }
    return entries;
  }

  /** A RegistryUser deleted and re-created under the same name must not inherit the old entry. */
  private static boolean ownedBy(Secret secret, RegistryUser user) {
    return secret.getMetadata().getOwnerReferences().stream()
        .anyMatch(ref -> ref.getUid() != null && ref.getUid().equals(user.getMetadata().getUid()));
  }
}
