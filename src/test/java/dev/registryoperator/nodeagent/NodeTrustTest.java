package dev.registryoperator.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NodeTrustTest {

  @Test
  void aPublishedRegistryIsTrustedUnderEachNameWithItsPort() {
    NodeTrust trust = NodeTrusts.trust("team", "demo", "10.0.0.7");

    assertThat(trust.registry()).isEqualTo("team/demo");
    assertThat(trust.authorities())
        .containsExactly("demo.team.svc:15000", "demo.team.svc.cluster.local:15000");
    assertThat(trust.fingerprint()).isEqualTo(NodeTrust.fingerprint(NodeTrusts.CA));
  }

  @Test
  void aRegistryWithoutNodeAccessIsNotConfigured() {
    PrivateRegistry registry = NodeTrusts.published("team", "demo", "10.0.0.7");
    registry.getStatus().nodeAccess = null;

    assertThat(NodeTrust.of(registry)).isEmpty();
  }

  /** The agent writes these as root into directory names and the hosts file. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "../../etc",
        "demo.team.svc/../../x",
        "demo",
        "Demo.team.svc",
        "demo.team.svc 1.2.3.4 evil",
        "demo.team.svc\nevil"
      })
  void aHostThatIsNotADnsNameRefusesTheWholeRegistry(String host) {
    assertThat(NodeTrust.of(with(access -> access.hosts = List.of("demo.team.svc", host))))
        .isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "10.0.0.7 evil.example", "10.0.0.7\n1.2.3.4", "../x"})
  void aClusterIpThatIsNotAnIpLiteralIsRefused(String clusterIP) {
    assertThat(NodeTrust.of(with(access -> access.clusterIP = clusterIP))).isEmpty();
  }

  @Test
  void aCaThatIsNotACertificateOrAPortOutOfRangeIsRefused() {
    assertThat(NodeTrust.of(with(access -> access.caCertificate = "not a certificate"))).isEmpty();
    assertThat(NodeTrust.of(with(access -> access.port = 0))).isEmpty();
    assertThat(NodeTrust.of(with(access -> access.port = 65536))).isEmpty();
  }

  private static PrivateRegistry with(
      Consumer<dev.registryoperator.api.v1alpha1.NodeAccessStatus> change) {
    PrivateRegistry registry = NodeTrusts.published("team", "demo", "10.0.0.7");
    change.accept(registry.getStatus().nodeAccess);
    return registry;
  }
}
