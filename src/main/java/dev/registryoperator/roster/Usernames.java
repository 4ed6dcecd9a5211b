package dev.registryoperator.roster;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.api.v1alpha1.RegistryUserSpec;
import dev.registryoperator.status.Problem;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/** The login name of a user and what htpasswd and basic auth allow in it. */
public final class Usernames {

  static final int MAX_BYTES = 255;
  private static final Pattern ALLOWED = Pattern.compile(RegistryUserSpec.USERNAME_PATTERN);

  private Usernames() {}

  /** spec.username, or the resource's name when it is not set. */
  public static String effective(RegistryUser user) {
    String username = user.getSpec().username;
    return username == null || username.isEmpty() ? user.getMetadata().getName() : username;
  }

  /** The schema checks the same pattern; this also holds for objects that never passed it. */
  public static Optional<Problem> validate(String username) {
    if (!ALLOWED.matcher(username).matches()) {
      return Optional.of(
          new Problem(
              "InvalidUsername",
              "The username may not contain ':', whitespace or control characters, nor start"
                  + " with '#'."));
    }
    if (username.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return Optional.of(
          new Problem("InvalidUsername", "The username is longer than " + MAX_BYTES + " bytes."));
    }
    return Optional.empty();
  }
}
