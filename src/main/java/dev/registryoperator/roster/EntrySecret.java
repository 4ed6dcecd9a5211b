package dev.registryoperator.roster;

import dev.registryoperator.access.Permissions;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.OwnedMetadata;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.UserSecretNames;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A user's htpasswd entry: the bcrypt hash plus a note of which password it was made from (the
 * password Secret's uid and resourceVersion, the key and the cost - nothing derived from the
 * password). While the note matches, the hash is reused: no bcrypt on resync or restart.
 */
public final class EntrySecret {

  private EntrySecret() {}

  /**
   * What the stored entry says. An entry written before access lists existed has no rules: its user
   * keeps everything, as then.
   */
  public record Stored(String username, String hash, String source, Permissions permissions) {
    @Override
    public String toString() {
      return "Stored[" + username + ", " + source + "]";
    }
  }

  public static Secret render(
      RegistryUser user,
      String username,
      String hash,
      String passwordSource,
      Permissions permissions) {
    ObjectMeta metadata =
        OwnedMetadata.owned(
            user,
            user.getSpec().registryRef,
            UserSecretNames.of(user).entrySecret(),
            Components.USER_ENTRY);
    metadata.setAnnotations(new TreeMap<>(Map.of(Keys.PASSWORD_SOURCE_ANNOTATION, passwordSource)));
    return new SecretBuilder()
        .withMetadata(metadata)
        .withType(Keys.OPAQUE_TYPE)
        .withData(
            SecretData.encode(
                Map.of(
                    Keys.USERNAME, username, Keys.HASH, hash, Keys.ACCESS, permissions.render())))
        .build();
  }

  public static Optional<Stored> read(Secret secret) {
    if (secret == null) {
      return Optional.empty();
    }
    Optional<String> username = SecretData.decode(secret, Keys.USERNAME);
    Optional<String> hash = SecretData.decode(secret, Keys.HASH);
    Map<String, String> annotations = secret.getMetadata().getAnnotations();
    String source = annotations == null ? null : annotations.get(Keys.PASSWORD_SOURCE_ANNOTATION);
    if (username.isEmpty() || hash.isEmpty() || source == null) {
      return Optional.empty();
    }
    Permissions permissions;
    try {
      permissions =
          SecretData.decode(secret, Keys.ACCESS)
              .map(Permissions::parse)
              .orElse(Permissions.UNRESTRICTED);
    } catch (IllegalArgumentException e) {
      // Edited by hand into something unreadable: list the user with no rights rather than all.
      permissions = Permissions.NONE;
    }
    return Optional.of(new Stored(username.get(), hash.get(), source, permissions));
  }

  /**
   * The hash for the user's entry: the stored one while it was made from the same password source,
   * otherwise a new one (the only place user handling runs bcrypt).
   */
  public static String reuseOrHash(
      Secret existing, String passwordSource, Supplier<String> hashing) {
    return read(existing)
        .filter(stored -> stored.source().equals(passwordSource))
        .map(Stored::hash)
        .orElseGet(hashing);
  }

  /**
   * Identifies a password without revealing anything about it: which Secret version and key it was
   * read from, and the bcrypt cost it was hashed with.
   */
  public static String passwordSource(Secret passwordSecret, String key, int cost) {
    return passwordSecret.getMetadata().getUid()
        + "/"
        + passwordSecret.getMetadata().getResourceVersion()
        + "/"
        + key
        + "/"
        + cost;
  }
}
