package dev.registryoperator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.AuthSpec;
import dev.registryoperator.api.v1alpha1.IngressSpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.nodeagent.NodeAgentDaemonSet;
import dev.registryoperator.nodeagent.NodeAgentSettings;
import dev.registryoperator.registry.model.GarbageCollectionJob;
import dev.registryoperator.registry.model.RegistryDeployment;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.testing.RestrictedPodSecurity;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every pod the project runs against the "restricted" Pod Security Standard, field by field: 1.20
 * has no PodSecurity admission to ask (PodSecurityIT asks 1.36's). The node agent is the one
 * exception, by design, and the check says exactly why.
 */
class PodSecurityStandardTest {

  static Stream<Arguments> registries() {
    return Stream.of(
        Arguments.of("Basic, defaults", Fixtures.registry()),
        Arguments.of("Token", Fixtures.registryInMode(AuthSpec.AuthMode.Token)),
        Arguments.of("ExternalToken", Fixtures.registryInMode(AuthSpec.AuthMode.ExternalToken)),
        Arguments.of(
            "Ingress, existing claim, own TLS Secret",
            Fixtures.registry(
                spec -> {
                  spec.ingress = new IngressSpec();
                  spec.ingress.host = "registry.example.test";
                  spec.storage.existingClaim = "shared-data";
                  spec.tls.secretName = "issued-by-cert-manager";
                })));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("registries")
  void everyRegistryPodMeetsRestricted(String name, PrivateRegistry registry) {
    Deployment rendered =
        RegistryDeployment.render(
            registry, "0123456789abcdef", "fedcba987654", Fixtures.OPERATOR_IMAGE);

    assertThat(RestrictedPodSecurity.violations(rendered.getSpec().getTemplate().getSpec()))
        .isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("registries")
  void everyGarbageCollectionPodMeetsRestricted(String name, PrivateRegistry registry) {
    PodSpec collector = GarbageCollectionJob.render(registry).getSpec().getTemplate().getSpec();

    assertThat(RestrictedPodSecurity.violations(collector)).isEmpty();
  }

  @Test
  void theOperatorsOwnPodMeetsRestricted() throws IOException {
    try (InputStream in = Files.newInputStream(Path.of("deploy/operator/deployment.yaml"))) {
      Deployment operator = Serialization.unmarshal(in, Deployment.class);

      assertThat(RestrictedPodSecurity.violations(operator.getSpec().getTemplate().getSpec()))
          .isEmpty();
    }
  }

  /**
   * The node agent edits root's files on the node through host paths: it cannot be restricted, and
   * runs in a namespace of its own labelled privileged. The check names exactly those two things.
   */
  @Test
  void theNodeAgentIsNotRestrictedOnlyForItsHostPathsAndRootUser() {
    PodSpec agent =
        NodeAgentDaemonSet.render(
                new NodeAgentSettings(
                    true,
                    "registry-node-agent",
                    Fixtures.OPERATOR_IMAGE,
                    "/etc/containerd/certs.d",
                    null,
                    "/etc/hosts"))
            .getSpec()
            .getTemplate()
            .getSpec();

    assertThat(RestrictedPodSecurity.violations(agent))
        .containsExactlyInAnyOrder(
            "volume containerd-certs: type hostPath is not allowed",
            "volume hosts: type hostPath is not allowed",
            "container agent: runAsUser 0",
            "container agent: runAsNonRoot is not true");
  }

  /** The check can fail: a container without its securityContext breaks four rules. */
  @Test
  void aCarelessPodIsCaught() {
    Deployment rendered =
        RegistryDeployment.render(
            Fixtures.registry(), "0123456789abcdef", "fedcba987654", Fixtures.OPERATOR_IMAGE);
    PodSpec careless = rendered.getSpec().getTemplate().getSpec();
    careless.getContainers().get(0).setSecurityContext(null);
    careless.setSecurityContext(null);

    assertThat(RestrictedPodSecurity.violations(careless))
        .contains(
            "container registry: no securityContext (allowPrivilegeEscalation, capabilities)",
            "container registry: runAsNonRoot is not true",
            "container registry: no seccomp profile");
  }
}
