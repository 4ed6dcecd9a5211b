package dev.registryoperator.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.NodeAccessStatus;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.nodeagent.NodeTrust;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodeAccessTest {

  private static final String CA = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

  private final PrivateRegistry registry = Fixtures.registry();
  private final String key =
      registry.getMetadata().getNamespace() + "/" + registry.getMetadata().getName();

  @Test
  void publishesTheSvcNamesThePortTheClusterIpAndTheCa() {
    NodeAccessStatus access =
        NodeAccess.of(registry, service("10.0.0.7"), caBundle(CA), List.of()).orElseThrow();

    String svc = registry.getMetadata().getName() + "." + registry.getMetadata().getNamespace();
    assertThat(access.hosts).containsExactly(svc + ".svc", svc + ".svc.cluster.local");
    assertThat(access.port).isEqualTo(registry.getSpec().proxy.port);
    assertThat(access.clusterIP).isEqualTo("10.0.0.7");
    assertThat(access.caCertificate).isEqualTo(CA);
    assertThat(access.nodes).isZero();
    assertThat(access.configuredNodes).isZero();
  }

  @Test
  void countsTheNodesThatTrustTheCurrentCaAmongAllNodes() {
    String current = NodeTrust.fingerprint(CA);
    List<ConfigMap> reports =
        List.of(
            report("node-1", key + " " + current + "\n"),
            report("node-2", key + " " + NodeTrust.fingerprint("an older CA") + "\n"),
            report("node-3", "other/registry " + current + "\n"));

    NodeAccessStatus access =
        NodeAccess.of(registry, service("10.0.0.7"), caBundle(CA), reports).orElseThrow();

    assertThat(access.nodes).isEqualTo(3);
    assertThat(access.configuredNodes).isEqualTo(1);
  }

  @Test
  void nothingIsPublishedBeforeTheClusterIpAndTheCaAreKnown() {
    assertThat(NodeAccess.of(registry, Optional.empty(), caBundle(CA), List.of())).isEmpty();
    assertThat(NodeAccess.of(registry, service("None"), caBundle(CA), List.of())).isEmpty();
    assertThat(NodeAccess.of(registry, service("10.0.0.7"), Optional.empty(), List.of())).isEmpty();
  }

  private static Optional<Service> service(String clusterIP) {
    return Optional.of(
        new ServiceBuilder().withNewSpec().withClusterIP(clusterIP).endSpec().build());
  }

  private static Optional<ConfigMap> caBundle(String ca) {
    return Optional.of(new ConfigMapBuilder().addToData(Keys.CA_CERT, ca).build());
  }

  private static ConfigMap report(String node, String registries) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName("registry-node-agent-" + node)
        .endMetadata()
        .addToData(Keys.NODE_REPORT_NODE, node)
        .addToData(Keys.NODE_REPORT_REGISTRIES, registries)
        .build();
  }
}
