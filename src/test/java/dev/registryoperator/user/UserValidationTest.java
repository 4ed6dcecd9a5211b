package dev.registryoperator.user;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.api.v1alpha1.RegistryUserSpec.SecretKeyRef;
import dev.registryoperator.status.Problem;
import dev.registryoperator.user.PasswordObservation.NotUtf8;
import dev.registryoperator.user.PasswordObservation.NotYetGenerated;
import dev.registryoperator.user.PasswordObservation.OperatorMade;
import dev.registryoperator.user.PasswordObservation.Read;
import dev.registryoperator.user.PasswordObservation.SecretNotFound;
import dev.registryoperator.user.PasswordObservation.Unchanged;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The user's validation is a pure function of what the reconcile observed. */
class UserValidationTest {

  private static final PrivateRegistry REGISTRY = registry();

  @Test
  void aValidUserWithAReadPasswordHasNoProblem() {
    RegistryUser alice = user("alice", "2025-01-01T00:00:00Z");
    assertThat(validate(alice, List.of(alice), read(Optional.of("long-enough-secret")))).isEmpty();
  }

  @Test
  void anUnchangedOrNotYetGeneratedPasswordIsNotJudgedAgain() {
    RegistryUser alice = user("alice", "2025-01-01T00:00:00Z");
    assertThat(
            validate(
                alice,
                List.of(alice),
                new Unchanged("uid/1/password/10", "$2a$10$x", Optional.empty())))
        .isEmpty();
    assertThat(validate(alice, List.of(alice), new NotYetGenerated())).isEmpty();
  }

  @Test
  void theUsernameIsJudgedFirst() {
    RegistryUser user = user("bad", "2025-01-01T00:00:00Z");
    user.getSpec().username = "has:colon";
    assertThat(reason(validate(user, List.of(user), new SecretNotFound("x"))))
        .isEqualTo("InvalidUsername");
  }

  @Test
  void aMissingRegistryComesBeforeAnythingThatNeedsIt() {
    RegistryUser alice = user("alice", "2025-01-01T00:00:00Z");
    Optional<Problem> problem =
        UserValidation.validate(
            alice, new UserObservation(Optional.empty(), List.of(alice), Optional.empty()));
    assertThat(reason(problem)).isEqualTo("RegistryNotFound");
    assertThat(problem.orElseThrow().message()).contains("'reg'");
  }

  @Test
  void theYoungerOfTwoUsersWithOneUsernameIsTheDuplicateAndNamesTheHolder() {
    RegistryUser older = user("zed", "2025-01-01T00:00:00Z");
    older.getSpec().username = "shared";
    RegistryUser younger = user("amy", "2025-01-02T00:00:00Z");
    younger.getSpec().username = "shared";
    List<RegistryUser> both = List.of(older, younger);

    assertThat(validate(older, both, read(Optional.of("long-enough-secret")))).isEmpty();
    Optional<Problem> problem = validate(younger, both, read(Optional.of("long-enough-secret")));
    assertThat(reason(problem)).isEqualTo("DuplicateUsername");
    assertThat(problem.orElseThrow().message()).contains("'zed'").contains("'shared'");
  }

  @Test
  void passwordProblemsNameTheSecretAndKeyButNeverThePassword() {
    RegistryUser alice = user("alice", "2025-01-01T00:00:00Z");
    assertThat(reason(validate(alice, List.of(alice), new SecretNotFound("gone"))))
        .isEqualTo("PasswordSecretNotFound");
    Optional<Problem> noKey = validate(alice, List.of(alice), read(Optional.empty()));
    assertThat(reason(noKey)).isEqualTo("PasswordKeyNotFound");
    assertThat(noKey.orElseThrow().message()).contains("'alice-password'").contains("'password'");
    Optional<Problem> shortOne = validate(alice, List.of(alice), read(Optional.of("tiny-pw")));
    assertThat(reason(shortOne)).isEqualTo("PasswordTooShort");
    assertThat(shortOne.orElseThrow().message()).doesNotContain("tiny-pw");
    assertThat(reason(validate(alice, List.of(alice), read(Optional.of("x".repeat(73))))))
        .isEqualTo("PasswordTooLong");
  }

  @Test
  void aPasswordThatIsNotUtf8IsRefusedNamingSecretAndKey() {
    RegistryUser alice = user("alice", "2025-01-01T00:00:00Z");
    Optional<Problem> problem =
        validate(alice, List.of(alice), new NotUtf8("alice-password", "password"));
    assertThat(reason(problem)).isEqualTo("PasswordInvalid");
    assertThat(problem.orElseThrow().message())
        .contains("'alice-password'", "'password'", "not UTF-8");
  }

  @Test
  void aSecretTheOperatorMadeIsNoPassword() {
    RegistryUser alice = user("alice", "2025-01-01T00:00:00Z");
    Optional<Problem> made = validate(alice, List.of(alice), new OperatorMade("reg-http-secret"));
    assertThat(reason(made)).isEqualTo("PasswordSecretNotAllowed");
    assertThat(made.orElseThrow().message()).contains("'reg-http-secret'");

    // Its own entry: each new hash would change the password it was made from, without end.
    // Refused by name, before the Secret is looked at (it goes once the user is invalid).
    for (String own : List.of("alice-htpasswd-entry", "alice-pull-secret")) {
      RegistryUser self = user("alice", "2025-01-01T00:00:00Z");
      self.getSpec().passwordSecretRef.name = own;
      Optional<Problem> problem = validate(self, List.of(self), new SecretNotFound(own));
      assertThat(reason(problem)).as(own).isEqualTo("PasswordSecretNotAllowed");
      assertThat(problem.orElseThrow().message()).contains("'" + own + "'");
    }
  }

  @Test
  void aDamagedGeneratedPasswordSaysHowToGetANewOne() {
    RegistryUser bob = user("bob", "2025-01-01T00:00:00Z");
    bob.getSpec().passwordSecretRef = null;
    Optional<Problem> problem =
        validate(
            bob,
            List.of(bob),
            new Read("bob-password", "password", "uid/1/password/10", Optional.empty()));
    assertThat(reason(problem)).isEqualTo("PasswordKeyNotFound");
    assertThat(problem.orElseThrow().message()).contains("Delete the Secret");
  }

  private static Optional<Problem> validate(
      RegistryUser user, List<RegistryUser> usersOfRegistry, PasswordObservation password) {
    return UserValidation.validate(
        user, new UserObservation(Optional.of(REGISTRY), usersOfRegistry, Optional.of(password)));
  }

  private static Read read(Optional<String> value) {
    return new Read("alice-password", "password", "uid/1/password/10", value);
  }

  private static String reason(Optional<Problem> problem) {
    return problem.map(Problem::reason).orElse(null);
  }

  private static PrivateRegistry registry() {
    PrivateRegistry registry = new PrivateRegistry();
    registry.getMetadata().setName("reg");
    registry.getMetadata().setNamespace("team-a");
    return registry;
  }

  private static RegistryUser user(String name, String created) {
    RegistryUser user = new RegistryUser();
    user.getMetadata().setName(name);
    user.getMetadata().setNamespace("team-a");
    user.getMetadata().setUid(name + "-uid");
    user.getMetadata().setCreationTimestamp(created);
    user.getSpec().registryRef = "reg";
    user.getSpec().passwordSecretRef = new SecretKeyRef();
    user.getSpec().passwordSecretRef.name = name + "-password";
    return user;
  }
}
