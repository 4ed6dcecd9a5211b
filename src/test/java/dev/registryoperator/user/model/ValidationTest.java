package dev.registryoperator.user.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.roster.Usernames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What can go into an htpasswd line and what bcrypt can take. */
class ValidationTest {

  @ParameterizedTest
  @ValueSource(strings = {"alice", "user@example.com", "a#b", "ci-bot_01", "über", "x"})
  void acceptsUsernamesHtpasswdCanCarry(String username) {
    assertThat(Usernames.validate(username)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a:b",
        "has space",
        "tab\there",
        "new\nline",
        "#comment",
        "nul\u0000",
        "del\u007f",
        "next\u0085line",
        "csi\u009b",
        ""
      })
  void rejectsUsernamesThatWouldBreakTheFileOrBasicAuth(String username) {
    assertThat(Usernames.validate(username))
        .hasValueSatisfying(problem -> assertThat(problem.reason()).isEqualTo("InvalidUsername"));
  }

  @Test
  void usernameLimitIsInBytesNotCharacters() {
    assertThat(Usernames.validate("a".repeat(255))).isEmpty();
    assertThat(Usernames.validate("a".repeat(256))).isPresent();
    // 128 two-byte characters: 256 bytes although only 128 characters.
    assertThat(Usernames.validate("ä".repeat(128))).isPresent();
    assertThat(Usernames.validate("ä".repeat(127))).isEmpty();
  }

  @Test
  void passwordNeedsEightCharactersCountedAsCharacters() {
    assertThat(Passwords.validate("1234567"))
        .hasValueSatisfying(problem -> assertThat(problem.reason()).isEqualTo("PasswordTooShort"));
    assertThat(Passwords.validate("12345678")).isEmpty();
    // Eight characters, sixteen bytes: long enough.
    assertThat(Passwords.validate("ääääääää")).isEmpty();
  }

  @Test
  void passwordLimitIs72BytesBecauseBcryptIgnoresTheRest() {
    assertThat(Passwords.validate("x".repeat(72))).isEmpty();
    assertThat(Passwords.validate("x".repeat(73)))
        .hasValueSatisfying(problem -> assertThat(problem.reason()).isEqualTo("PasswordTooLong"));
    assertThat(Passwords.validate("ä".repeat(36))).isEmpty();
    assertThat(Passwords.validate("ä".repeat(37))).isPresent();
  }

  /** C's crypt (nginx, htpasswd) stops at a NUL; Java's and Go's bcrypt read on. */
  @Test
  void aPasswordWithANulIsRefusedBecauseBcryptImplementationsDisagreeOnIt() {
    assertThat(Passwords.validate("before\0after"))
        .hasValueSatisfying(
            problem -> {
              assertThat(problem.reason()).isEqualTo("PasswordInvalid");
              assertThat(problem.message()).contains("NUL").doesNotContain("before");
            });
    assertThat(Passwords.validate("line\r\nbreaks"))
        .as("CR and LF are bytes like others")
        .isEmpty();
    assertThat(Passwords.validate("col:on:s:")).isEmpty();
  }

  @Test
  void problemMessagesNeverContainThePassword() {
    String secret = "s3cr";
    assertThat(Passwords.validate(secret).orElseThrow().message()).doesNotContain(secret);
    String tooLong = "y".repeat(80);
    assertThat(Passwords.validate(tooLong).orElseThrow().message()).doesNotContain(tooLong);
  }

  @Test
  void generatedPasswordsAreLongUniqueAndValid() {
    String first = Passwords.generate();
    String second = Passwords.generate();
    assertThat(first).hasSizeGreaterThanOrEqualTo(32).matches("[A-Za-z0-9]+");
    assertThat(first).isNotEqualTo(second);
    assertThat(Passwords.validate(first)).isEmpty();
  }
}
