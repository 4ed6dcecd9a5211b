package dev.registryoperator.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostsBlockTest {

  private static final String NODE_HOSTS = "127.0.0.1 localhost\n::1 localhost ip6-localhost\n";

  @Test
  void theBlockIsAppendedAfterTheNodesOwnLines() {
    assertThat(HostsBlock.replace(NODE_HOSTS, List.of("10.0.0.7 demo.team.svc")))
        .isEqualTo(
            NODE_HOSTS + HostsBlock.BEGIN + "\n10.0.0.7 demo.team.svc\n" + HostsBlock.END + "\n");
  }

  @Test
  void anExistingBlockIsReplacedInPlaceOfNothingElse() {
    String before =
        HostsBlock.replace(NODE_HOSTS, List.of("10.0.0.7 demo.team.svc")) + "10.1.1.1 later\n";

    String after = HostsBlock.replace(before, List.of("10.0.0.8 other.team.svc"));

    assertThat(after)
        .isEqualTo(
            NODE_HOSTS
                + "10.1.1.1 later\n"
                + HostsBlock.BEGIN
                + "\n10.0.0.8 other.team.svc\n"
                + HostsBlock.END
                + "\n");
    assertThat(HostsBlock.replace(after, List.of("10.0.0.8 other.team.svc"))).isEqualTo(after);
  }

  @Test
  void noRegistriesRemoveTheBlockAndGiveBackTheNodesFile() {
    String withBlock = HostsBlock.replace(NODE_HOSTS, List.of("10.0.0.7 demo.team.svc"));

    assertThat(HostsBlock.replace(withBlock, List.of())).isEqualTo(NODE_HOSTS);
    assertThat(HostsBlock.replace(NODE_HOSTS, List.of())).isEqualTo(NODE_HOSTS);
  }

  @Test
  void aBlockWithoutItsEndIsCutToTheEndOfTheFile() {
    String damaged = NODE_HOSTS + HostsBlock.BEGIN + "\n10.0.0.7 demo.team.svc\n";

    assertThat(HostsBlock.replace(damaged, List.of())).isEqualTo(NODE_HOSTS);
  }
}
