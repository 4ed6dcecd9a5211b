package dev.registryoperator.user;

import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.roster.Htpasswd;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers the last two versions of each registry's htpasswd file, to tell which usernames a new
 * version added, changed or removed. The answer depends only on the version, not on how often it is
 * asked: the framework calls an event source's mapper more than once per event.
 */
final class HtpasswdVersions {

  private record Seen(
      String resourceVersion, Map<String, String> lines, Map<String, String> before) {}

  private final Map<ResourceID, Seen> files = new ConcurrentHashMap<>();

  /**
   * The usernames whose line differs between this version of the file and the one before it; empty
   * when no earlier version was seen (then any user may be concerned).
   */
  Optional<Set<String>> changedUsernames(Secret htpasswdSecret) {
    String version = htpasswdSecret.getMetadata().getResourceVersion();
    Seen seen =
        files.compute(
            ResourceID.fromResource(htpasswdSecret),
            (id, last) ->
                last != null && Objects.equals(last.resourceVersion(), version)
                    ? last
                    : new Seen(version, lines(htpasswdSecret), last == null ? null : last.lines()));
    if (seen.before() == null) {
      return Optional.empty();
    }
    Set<String> changed = new HashSet<>();
    seen.lines()
        .forEach(
            (username, hash) -> {
              if (!hash.equals(seen.before().get(username))) {
                changed.add(username);
              }
            });
    seen.before().keySet().stream()
        .filter(username -> !seen.lines().containsKey(username))
        .forEach(changed::add);
    return Optional.of(changed);
  }

  private static Map<String, String> lines(Secret htpasswdSecret) {
    return SecretData.decode(htpasswdSecret, Keys.HTPASSWD).map(Htpasswd::parse).orElse(Map.of());
  }
}
