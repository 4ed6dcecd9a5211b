package dev.registryoperator.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AccessFileTest {

  private static final AccessFile RULES =
      AccessFile.of(
          List.of(new Grant(List.of("public/*"), List.of(Action.pull))),
          Map.of(
              "alice",
              new Permissions(
                  List.of(
                      new Grant(List.of("team-a/*"), List.of(Action.pull, Action.push)),
                      new Grant(List.of("shared"), List.of(Action.pull))),
                  false),
              "root",
              Permissions.UNRESTRICTED));

  @Test
  void grantsOfMatchingPatternsAddUp() {
    assertThat(RULES.allowed(Optional.of("alice"), "team-a/app"))
        .containsExactlyInAnyOrder(Action.pull, Action.push);
    assertThat(RULES.allowed(Optional.of("alice"), "team-a/tools/app"))
        .containsExactlyInAnyOrder(Action.pull, Action.push);
    assertThat(RULES.allowed(Optional.of("alice"), "shared")).containsExactly(Action.pull);
    assertThat(RULES.allowed(Optional.of("alice"), "team-b/app")).isEmpty();
    assertThat(RULES.allowed(Optional.of("alice"), "team-a")).isEmpty();
  }

  @Test
  void anonymousGrantsApplyToEveryClientAndUnknownUsersGetNothingElse() {
    assertThat(RULES.allowed(Optional.empty(), "public/base")).containsExactly(Action.pull);
    assertThat(RULES.allowed(Optional.empty(), "team-a/app")).isEmpty();
    assertThat(RULES.allowed(Optional.of("alice"), "public/base")).containsExactly(Action.pull);
    assertThat(RULES.allowed(Optional.of("mallory"), "team-a/app")).isEmpty();
    assertThat(RULES.allowed(Optional.of("root"), "anything/at/all"))
        .containsExactlyInAnyOrder(Action.values());
  }

  @Test
  void theCatalogIsItsOwnPermission() {
    assertThat(RULES.mayListCatalog(Optional.of("root"))).isTrue();
    assertThat(RULES.mayListCatalog(Optional.of("alice"))).isFalse();
    assertThat(RULES.mayListCatalog(Optional.empty())).isFalse();
  }

  @Test
  void rendersTheSameBytesForTheSameRulesAndReadsThemBack() {
    AccessFile sameInOtherOrder =
        AccessFile.of(
            RULES.anonymous(),
            Map.of("root", Permissions.UNRESTRICTED, "alice", RULES.permissionsOf("alice")));

    assertThat(sameInOtherOrder.render()).isEqualTo(RULES.render());
    assertThat(AccessFile.parse(RULES.render())).isEqualTo(RULES);
    assertThat(RULES.render()).contains("\"actions\" : [ \"pull\", \"push\" ]");
  }

  @Test
  void aFileThatIsNotJsonIsRefusedWithoutQuotingIt() {
    assertThatThrownBy(() -> AccessFile.parse("alice:$2a$10$secretish"))
        .isInstanceOf(IllegalArgumentException.class)
        .message()
        .doesNotContain("secretish");
  }

  @Test
  void patternsMatchWholeNamesWithStarsSpanningSlashes() {
    assertThat(RepositoryPattern.matches("*", "a/b/c")).isTrue();
    assertThat(RepositoryPattern.matches("team-*/app", "team-a/app")).isTrue();
    assertThat(RepositoryPattern.matches("team-*/app", "team-a/app2")).isFalse();
    assertThat(RepositoryPattern.matches("*-cache", "x/y-cache")).isTrue();
    assertThat(RepositoryPattern.matches("app", "app2")).isFalse();
    assertThat(RepositoryPattern.matches("a*b*c", "aXbYbZc")).isTrue();
    assertThat(RepositoryPattern.isValid("team-a/*")).isTrue();
    assertThat(RepositoryPattern.isValid("Team-A")).isFalse();
    assertThat(RepositoryPattern.isValid("/leading")).isFalse();
    assertThat(RepositoryPattern.isValid("")).isFalse();
  }
}
