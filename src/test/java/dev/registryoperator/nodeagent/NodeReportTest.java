package dev.registryoperator.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeReportTest {

  private static final NodeIdentity AGENT =
      new NodeIdentity("node-1", "registry-node-agent", "registry-node-agent-x7k2p", "uid-1");

  @Test
  void theReportListsEachRegistryWithItsCaFingerprintAndBelongsToTheAgentsPod() {
    ConfigMap report =
        NodeReport.render(
            AGENT,
            List.of(
                NodeTrusts.trust("team", "b", "10.0.0.8"),
                NodeTrusts.trust("team", "a", "10.0.0.7")));

    assertThat(report.getMetadata().getName()).isEqualTo("registry-node-agent-node-1");
    assertThat(report.getMetadata().getNamespace()).isEqualTo("registry-node-agent");
    assertThat(report.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getKind()).isEqualTo("Pod");
              assertThat(owner.getUid()).isEqualTo("uid-1");
            });
    String fingerprint = NodeTrust.fingerprint(NodeTrusts.CA);
    assertThat(NodeReport.configured(report))
        .containsExactly(
            java.util.Map.entry("team/a", fingerprint), java.util.Map.entry("team/b", fingerprint));
  }

  @Test
  void aNodeNameTooLongForAConfigMapNameIsHashed() {
    String longNode = "n".repeat(253);

    String name = NodeReport.name(longNode);

    assertThat(name).hasSizeLessThanOrEqualTo(253).startsWith("registry-node-agent-");
    assertThat(NodeReport.name(longNode + "x")).isNotEqualTo(name);
  }

  @Test
  void aReportWithoutDataConfiguresNothing() {
    assertThat(NodeReport.configured(new ConfigMap())).isEmpty();
  }
}
