package dev.registryoperator.user.model;

import dev.registryoperator.status.Problem;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Optional;

/** What a password must be, and how the operator makes one. */
public final class Passwords {

  /** A password no client could send as it is, or that servers would read differently. */
  public static final String INVALID = "PasswordInvalid";

  static final int MIN_CHARACTERS = 8;

  /** bcrypt reads at most 72 bytes; longer passwords would be silently truncated. */
  static final int MAX_BYTES = 72;

  static final int GENERATED_LENGTH = 40;
  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Passwords() {}

  /** Never mentions the password itself: the message ends up in status and Events. */
  public static Optional<Problem> validate(String password) {
    if (password.codePointCount(0, password.length()) < MIN_CHARACTERS) {
      return Optional.of(
          new Problem(
              "PasswordTooShort",
              "The password has fewer than " + MIN_CHARACTERS + " characters."));
    }
    if (password.indexOf('\0') >= 0) {
      return Optional.of(
          new Problem(
              INVALID,
              "The password contains a NUL byte: bcrypt written in C (nginx, Apache's htpasswd)"
                  + " stops reading there, so not every server would check the same password."));
    }
    if (password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return Optional.of(
          new Problem(
              "PasswordTooLong",
              "The password is longer than "
                  + MAX_BYTES
                  + " bytes (UTF-8), more than bcrypt can use."));
    }
    return Optional.empty();
  }

  /** 40 characters from 62 symbols: about 238 bits. Letters and digits only, safe in any config. */
  public static String generate() {
    StringBuilder password = new StringBuilder(GENERATED_LENGTH);
    for (int i = 0; i < GENERATED_LENGTH; i++) {
      password.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return password.toString();
  }
}
