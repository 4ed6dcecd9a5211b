package dev.registryoperator.authserver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.mindrot.jbcrypt.BCrypt;

class HtpasswdTest {

  @Test
  void readsBcryptEntriesSkipsCommentsAndEverythingElse() {
    String alice = BCrypt.hashpw("a", BCrypt.gensalt(4));
    String bob = BCrypt.hashpw("b", BCrypt.gensalt(5));
    Htpasswd htpasswd =
        Htpasswd.parse(
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
    assertThat(Htpasswd.parse(lines).typicalCost()).isEqualTo(4);
    assertThat(Htpasswd.EMPTY.typicalCost()).isEqualTo(10);
  }
}
