package dev.registryoperator.authserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.roster.Htpasswd;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mindrot.jbcrypt.BCrypt;

class HtpasswdEntriesTest {

  @Test
  void readsBcryptEntriesSkipsCommentsAndEverythingElse() {
    String alice = BCrypt.hashpw("a", BCrypt.gensalt(4));
    String bob = BCrypt.hashpw("b", BCrypt.gensalt(5));
    HtpasswdEntries htpasswd =
        HtpasswdEntries.parse(
            "# written by the operator\n"
                + "alice:"
                + alice
                + "\r\n"
                + "\n"
                + "bob:$2y$"
                + bob.substring(4)
                + "\n"
                + "carol:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n"
                + "no colon here\n"
                + ":"
                + alice
                + "\n"
                + "alice:"
                + bob
                + "\n");

    assertThat(htpasswd.users()).containsExactlyInAnyOrder("alice", "bob");
    assertThat(htpasswd.hash("alice")).contains(alice);
    assertThat(htpasswd.hash("bob")).contains("$2a$" + bob.substring(4));
    assertThat(htpasswd.hash("carol")).isEmpty();
    assertThat(htpasswd.skippedLines()).isEqualTo(3);
    assertThat(htpasswd.toString()).doesNotContain(alice).contains("2 users");
  }

  @Test
  void theTypicalCostIsTheMostCommonOne() {
    String lines =
        "a:"
            + BCrypt.hashpw("a", BCrypt.gensalt(5))
            + "\nb:"
            + BCrypt.hashpw("b", BCrypt.gensalt(4))
            + "\nc:"
            + BCrypt.hashpw("c", BCrypt.gensalt(4))
            + "\n";
    assertThat(HtpasswdEntries.parse(lines).typicalCost()).isEqualTo(4);
    assertThat(HtpasswdEntries.EMPTY.typicalCost()).isEqualTo(10);
  }

  @Test
  void readsBackEveryEntryTheOperatorWrites() {
    List<Htpasswd.Entry> written =
        List.of(
            new Htpasswd.Entry("ci.bot@example.com", BCrypt.hashpw("c", BCrypt.gensalt(4))),
            new Htpasswd.Entry("alice", BCrypt.hashpw("a", BCrypt.gensalt(4))));

    HtpasswdEntries read = HtpasswdEntries.parse(Htpasswd.render(written));

    assertThat(read.skippedLines()).isZero();
    for (Htpasswd.Entry entry : written) {
      assertThat(read.hash(entry.username())).contains(entry.hash());
    }
    assertThat(read.users()).hasSize(written.size());
  }
}
