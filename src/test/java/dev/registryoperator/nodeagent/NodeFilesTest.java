package dev.registryoperator.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeFilesTest {

  private static final Path CERTS_D = Path.of("/etc/containerd/certs.d");

  @Test
  void eachNameGetsAHostsTomlNamingTheCaByTheNodesPath() {
    NodeFiles files =
        NodeFiles.render(List.of(NodeTrusts.trust("team", "demo", "10.0.0.7")), CERTS_D, false);

    assertThat(files.containerd().keySet())
        .containsExactly("demo.team.svc.cluster.local:15000", "demo.team.svc:15000");
    assertThat(files.containerd().get("demo.team.svc:15000"))
        .containsEntry(NodeFiles.CA_FILE, NodeTrusts.CA)
        .containsEntry(NodeFiles.MARKER, "team/demo\n")
        .containsEntry(
            NodeFiles.HOSTS_TOML,
            """
            # Written by the registry-operator node agent for team/demo; removed with the registry.
            server = "https://demo.team.svc:15000"

            [host."https://demo.team.svc:15000"]
              capabilities = ["pull", "resolve", "push"]
              ca = "/etc/containerd/certs.d/demo.team.svc:15000/ca.crt"
            """);
    assertThat(files.docker()).isEmpty();
    assertThat(files.hostsLines())
        .containsExactly("10.0.0.7 demo.team.svc demo.team.svc.cluster.local");
  }

  @Test
  void dockerGetsTheCaUnderTheSameDirectoryNames() {
    NodeFiles files =
        NodeFiles.render(List.of(NodeTrusts.trust("team", "demo", "10.0.0.7")), CERTS_D, true);

    assertThat(files.docker().keySet()).isEqualTo(files.containerd().keySet());
    assertThat(files.docker().get("demo.team.svc:15000"))
        .containsOnlyKeys(NodeFiles.CA_FILE, NodeFiles.MARKER);
  }

  @Test
  void theSameRegistriesInAnyOrderRenderTheSameFiles() {
    NodeTrust a = NodeTrusts.trust("team", "a", "10.0.0.7");
    NodeTrust b = NodeTrusts.trust("other", "b", "10.0.0.8");

    NodeFiles one = NodeFiles.render(List.of(a, b), CERTS_D, true);
    NodeFiles other = NodeFiles.render(List.of(b, a), CERTS_D, true);

    assertThat(one).isEqualTo(other);
    assertThat(one.hostsLines())
        .containsExactly(
            "10.0.0.8 b.other.svc b.other.svc.cluster.local",
            "10.0.0.7 a.team.svc a.team.svc.cluster.local");
  }
}
