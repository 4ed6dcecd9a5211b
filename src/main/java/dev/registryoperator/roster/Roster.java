package dev.registryoperator.roster;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.naming.UserSecretNames;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Who is in a registry's htpasswd file. When several RegistryUsers of a registry claim one
 * username, the oldest holds it; both controllers ask this class, so they always agree on the
 * holder. The file lists, for every username, the entry of its holder if that user currently has a
 * valid one.
 */
public final class Roster {

  /** Oldest first; the name, then the uid, break ties between users created in the same second. */
  static final Comparator<RegistryUser> SENIORITY =
      Comparator.comparing(
              (RegistryUser u) -> u.getMetadata().getCreationTimestamp(),
              Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(u -> u.getMetadata().getName())
          .thenComparing(u -> String.valueOf(u.getMetadata().getUid()));

  private Roster() {}

  /** username -> the user that holds it, among the given users of one registry. */
  public static Map<String, RegistryUser> holders(Collection<RegistryUser> users) {
    Map<String, RegistryUser> holders = new TreeMap<>();
    users.stream()
        .filter(user -> user.getMetadata().getDeletionTimestamp() == null)
        .sorted(SENIORITY)
        .forEach(user -> holders.putIfAbsent(Usernames.effective(user), user));
    return holders;
  }

  /** The user holding this user's username, when it is another one. */
  public static Optional<RegistryUser> heldByOther(
      RegistryUser user, Collection<RegistryUser> users) {
    RegistryUser holder = holders(users).get(Usernames.effective(user));
    return holder == null || holder.getMetadata().getName().equals(user.getMetadata().getName())
        ? Optional.empty()
        : Optional.of(holder);
  }

  /**
   * The lines of the registry's htpasswd file. Users that are gone, invalid, renamed but not yet
   * re-entered, or that lost a duplicate are left out; nobody else is affected.
   *
   * @param users the RegistryUsers whose spec.registryRef names the registry
   * @param secretNamed looks up one of our Secrets in the namespace by name
   */
  public static List<Htpasswd.Entry> entries(
      Collection<RegistryUser> users, Function<String, Optional<Secret>> secretNamed) {
    List<Htpasswd.Entry> entries = new ArrayList<>();
    holders(users)
        .forEach(
            (username, user) ->
                secretNamed
                    .apply(UserSecretNames.of(user).entrySecret())
                    .filter(secret -> ownedBy(secret, user))
                    .flatMap(EntrySecret::read)
                    .filter(stored -> stored.username().equals(username))
                    .ifPresent(
                        stored ->
                            entries.add(
                                new Htpasswd.Entry(
                                    username, stored.hash(), stored.permissions()))));
    return entries;
  }

  /** A RegistryUser deleted and re-created under the same name must not inherit the old entry. */
  private static boolean ownedBy(Secret secret, RegistryUser user) {
    return secret.getMetadata().getOwnerReferences().stream()
        .anyMatch(ref -> ref.getUid() != null && ref.getUid().equals(user.getMetadata().getUid()));
  }
}
