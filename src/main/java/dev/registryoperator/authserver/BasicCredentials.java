package dev.registryoperator.authserver;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * Username and password from an {@code Authorization: Basic} header. Lives only for the request;
 * {@link #toString()} never shows the password.
 */
public record BasicCredentials(String username, String password) {

  /** Empty when the header is not Basic or is malformed (the caller treats that as wrong). */
  public static Optional<BasicCredentials> parse(String header) {
    if (header == null) {
      return Optional.empty();
    }
    String trimmed = header.trim();
    if (trimmed.length() < 6
        || !trimmed.substring(0, 6).toLowerCase(Locale.ROOT).equals("basic ")) {
      return Optional.empty();
    }
    String decoded;
    try {
      decoded =
          new String(
              Base64.getDecoder().decode(trimmed.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    int colon = decoded.indexOf(':');
    if (colon <= 0) {
      return Optional.empty();
    }
    return Optional.of(
        new BasicCredentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
  }

  @Override
  public String toString() {
    return "BasicCredentials[" + LogSafe.name(username) + "]";
  }
}
