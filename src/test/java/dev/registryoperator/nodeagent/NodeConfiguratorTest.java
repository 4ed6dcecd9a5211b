package dev.registryoperator.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfiguratorTest {

  private static final String NODE_HOSTS = "127.0.0.1 localhost\n";

  @TempDir Path node;
  private Path certsD;
  private Path dockerCertsD;
  private Path hosts;

  @BeforeEach
  void aNode() throws IOException {
    certsD = node.resolve("etc/containerd/certs.d");
    dockerCertsD = node.resolve("etc/docker/certs.d");
    hosts = node.resolve("etc/hosts");
    Files.createDirectories(hosts.getParent());
    Files.writeString(hosts, NODE_HOSTS);
  }

  @Test
  void writesEverythingOnceThenNothingUntilSomethingChanges() throws IOException {
    NodeConfigurator configurator = new NodeConfigurator(certsD, Optional.empty(), hosts);
    NodeFiles files = files(NodeTrusts.trust("team", "demo", "10.0.0.7"));

    assertThat(configurator.apply(files)).isNotEmpty();
    assertThat(certsD.resolve("demo.team.svc:15000/hosts.toml"))
        .hasContent(files.containerd().get("demo.team.svc:15000").get(NodeFiles.HOSTS_TOML));
    assertThat(certsD.resolve("demo.team.svc:15000/ca.crt")).hasContent(NodeTrusts.CA);
    assertThat(Files.readString(hosts))
        .isEqualTo(HostsBlock.replace(NODE_HOSTS, files.hostsLines()));

    assertThat(configurator.apply(files)).isEmpty();
  }

  @Test
  void aRegistryThatGoesAwayTakesItsFilesAndNothingElse() throws IOException {
    NodeConfigurator configurator = new NodeConfigurator(certsD, Optional.empty(), hosts);
    configurator.apply(
        files(
            NodeTrusts.trust("team", "demo", "10.0.0.7"),
            NodeTrusts.trust("team", "kept", "10.0.0.8")));
    // Configured on the node by hand, for another registry: not ours to remove.
    Files.createDirectories(certsD.resolve("mirror.example:5000"));
    Files.writeString(certsD.resolve("mirror.example:5000/hosts.toml"), "server = \"x\"\n");

    List<String> changes = configurator.apply(files(NodeTrusts.trust("team", "kept", "10.0.0.8")));

    assertThat(changes).anyMatch(change -> change.startsWith("removed "));
    assertThat(certsD.resolve("demo.team.svc:15000")).doesNotExist();
    assertThat(certsD.resolve("kept.team.svc:15000/hosts.toml")).exists();
    assertThat(certsD.resolve("mirror.example:5000/hosts.toml")).exists();
    assertThat(Files.readString(hosts)).doesNotContain("demo.team.svc").contains("kept.team.svc");

    configurator.apply(files());
    assertThat(Files.readString(hosts)).isEqualTo(NODE_HOSTS);
    assertThat(certsD.resolve("mirror.example:5000/hosts.toml")).exists();
  }

  @Test
  void aDirectoryConfiguredByHandForTheSameNameIsLeftAsItIs() throws IOException {
    Files.createDirectories(certsD.resolve("demo.team.svc:15000"));
    Files.writeString(certsD.resolve("demo.team.svc:15000/hosts.toml"), "by hand\n");

    new NodeConfigurator(certsD, Optional.empty(), hosts)
        .apply(files(NodeTrusts.trust("team", "demo", "10.0.0.7")));

    assertThat(certsD.resolve("demo.team.svc:15000/hosts.toml")).hasContent("by hand\n");
    assertThat(certsD.resolve("demo.team.svc.cluster.local:15000/hosts.toml")).exists();
  }

  /** A bind-mounted hosts file cannot be renamed over: the same file is rewritten. */
  @Test
  void theHostsFileIsRewrittenInPlace() throws IOException {
    Object inode = Files.getAttribute(hosts, "unix:ino");

    new NodeConfigurator(certsD, Optional.empty(), hosts)
        .apply(files(NodeTrusts.trust("team", "demo", "10.0.0.7")));

    assertThat(Files.getAttribute(hosts, "unix:ino")).isEqualTo(inode);
    assertThat(Files.readString(hosts)).contains("10.0.0.7 demo.team.svc");
  }

  @Test
  void dockerIsConfiguredOnlyWhereTheNodeHasItsCertsDirectory() throws IOException {
    NodeConfigurator configurator = new NodeConfigurator(certsD, Optional.of(dockerCertsD), hosts);
    assertThat(configurator.hasDocker()).isFalse();
    configurator.apply(files(NodeTrusts.trust("team", "demo", "10.0.0.7")));
    assertThat(dockerCertsD).doesNotExist();

    Files.createDirectories(dockerCertsD);
    assertThat(configurator.hasDocker()).isTrue();
    configurator.apply(
        NodeFiles.render(List.of(NodeTrusts.trust("team", "demo", "10.0.0.7")), certsD, true));
    assertThat(dockerCertsD.resolve("demo.team.svc:15000/ca.crt")).hasContent(NodeTrusts.CA);
  }

  private NodeFiles files(NodeTrust... trusts) {
    return NodeFiles.render(List.of(trusts), certsD, false);
  }
}
