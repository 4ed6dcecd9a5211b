package dev.registryoperator.user.model;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which RegistryUser holds a username when several of a registry claim it: the oldest. Both
 * reconcilers ask this same function, so they agree on the winner.
 */
public final class Roster {

  /** Oldest first; the uid breaks ties between resources created in the same second. */
  private static final Comparator<RegistryUser> SENIORITY =
      Comparator.comparing((RegistryUser u) -> u.getMetadata().getCreationTimestamp(),
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
  public static Optional<RegistryUser> heldByOther(RegistryUser user, Collection<RegistryUser> users) {
    RegistryUser holder = holders(users).get(Usernames.effective(user));
    return holder == null || holder.getMetadata().getName().equals(user.getMetadata().getName())
        ? Optional.empty()
        : Optional.of(holder);
  }

  /** The registries a user is in or is leaving: spec.registryRef and the one status still names. */
  public static Set<String> registriesOf(RegistryUser user) {
    Set<String> registries = new HashSet<>();
    if (user.getSpec() != null && user.getSpec().registryRef != null) {
      registries.add(user.getSpec().registryRef);
    }
    if (user.getStatus() != null && user.getStatus().registry != null) {
      registries.add(user.getStatus().registry);
    }
    return registries;
  }

}
