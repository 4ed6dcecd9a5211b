package dev.registryoperator.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

class NodeAgentDaemonSetTest {

  private static final NodeAgentSettings SETTINGS =
      new NodeAgentSettings(
          true,
          "registry-node-agent",
          "registryoperator/registry-operator:0.1.0",
          "/etc/containerd/certs.d",
          null,
          "/etc/hosts");

  @Test
  void theOnlyHostPathsAreContainerdsCertsDirectoryAndTheHostsFile() {
    PodSpec pod = NodeAgentDaemonSet.render(SETTINGS).getSpec().getTemplate().getSpec();

    assertThat(pod.getVolumes().stream().filter(v -> v.getHostPath() != null))
        .extracting(v -> v.getHostPath().getPath())
        .containsExactlyInAnyOrder("/etc/containerd/certs.d", "/etc/hosts");
    Container agent = pod.getContainers().get(0);
    // hosts.toml names the CA by the node's path, so the directory is mounted at that path.
    assertThat(agent.getVolumeMounts())
        .extracting(VolumeMount::getMountPath)
        .contains("/etc/containerd/certs.d", NodeAgentDaemonSet.HOSTS_MOUNT);
    assertThat(agent.getArgs())
        .containsExactly(
            "--containerd-certs-dir=/etc/containerd/certs.d",
            "--hosts-file=" + NodeAgentDaemonSet.HOSTS_MOUNT);
    assertThat(pod.getHostNetwork()).isNull();
    assertThat(pod.getServiceAccountName()).isEqualTo(NodeAgentDaemonSet.SERVICE_ACCOUNT);
  }

  @Test
  void rootWithEveryCapabilityDroppedAndAReadOnlyRoot() {
    Container agent =
        NodeAgentDaemonSet.render(SETTINGS)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);

    assertThat(agent.getSecurityContext().getRunAsUser()).isZero();
    assertThat(agent.getSecurityContext().getPrivileged()).isNull();
    assertThat(agent.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(agent.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(agent.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(agent.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(agent.getImage()).isEqualTo(SETTINGS.image());
  }

  @Test
  void dockersDirectoryIsMountedOnlyWhenConfigured() {
    NodeAgentSettings withDocker =
        new NodeAgentSettings(
            true,
            SETTINGS.namespace(),
            SETTINGS.image(),
            SETTINGS.containerdCertsDir(),
            "/etc/docker/certs.d",
            SETTINGS.hostsFile());

    PodSpec pod = NodeAgentDaemonSet.render(withDocker).getSpec().getTemplate().getSpec();

    assertThat(pod.getVolumes())
        .extracting(Volume::getName)
        .containsExactlyInAnyOrder("containerd-certs", "hosts", "docker-certs", "tmp");
    assertThat(pod.getContainers().get(0).getArgs())
        .contains("--docker-certs-dir=/etc/docker/certs.d");
  }

  @Test
  void theSameSettingsRenderTheSameBytes() {
    DaemonSet one = NodeAgentDaemonSet.render(SETTINGS);
    DaemonSet other = NodeAgentDaemonSet.render(SETTINGS);

    assertThat(Serialization.asYaml(one)).isEqualTo(Serialization.asYaml(other));
  }
}
