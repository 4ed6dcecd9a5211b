package dev.registryoperator.roster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mindrot.jbcrypt.BCrypt;

class HtpasswdTest {

  private static final String HASH_A = BCrypt.hashpw("password-a", BCrypt.gensalt(4));
  private static final String HASH_B = BCrypt.hashpw("password-b", BCrypt.gensalt(4));

  @Test
  void linesAreSortedByUsernameWhateverTheInputOrder() {
    String forward =
        Htpasswd.render(
            List.of(new Htpasswd.Entry("alice", HASH_A), new Htpasswd.Entry("bob", HASH_B)));
    String backward =
        Htpasswd.render(
            List.of(new Htpasswd.Entry("bob", HASH_B), new Htpasswd.Entry("alice", HASH_A)));

    assertThat(forward).isEqualTo(backward).isEqualTo("alice:" + HASH_A + "\nbob:" + HASH_B + "\n");
  }

  @Test
  void sortingIsByCodePointNotLocale() {
    String file =
        Htpasswd.render(
            List.of(
                new Htpasswd.Entry("b", HASH_A),
                new Htpasswd.Entry("B", HASH_A),
                new Htpasswd.Entry("a", HASH_A),
                new Htpasswd.Entry("ä", HASH_A)));

    assertThat(Htpasswd.parse(file).keySet()).containsExactly("B", "a", "b", "ä");
  }

  @Test
  void noUsersIsAnEmptyFile() {
    assertThat(Htpasswd.render(List.of())).isEmpty();
    assertThat(Htpasswd.parse("")).isEmpty();
  }

  @Test
  void parseReadsWhatRenderWrote() {
    List<Htpasswd.Entry> entries =
        List.of(
            new Htpasswd.Entry("alice", HASH_A), new Htpasswd.Entry("user@example.com", HASH_B));

    assertThat(Htpasswd.parse(Htpasswd.render(entries)))
        .containsEntry("alice", HASH_A)
        .containsEntry("user@example.com", HASH_B)
        .hasSize(2);
  }

  @Test
  void parseSkipsCommentsAndBlankLines() {
    assertThat(Htpasswd.parse("# comment\n\nalice:" + HASH_A + "\n")).containsOnlyKeys("alice");
  }

  @Test
  void entriesDoNotPrintTheirHash() {
    assertThat(new Htpasswd.Entry("alice", HASH_A).toString()).doesNotContain(HASH_A);
  }
}
