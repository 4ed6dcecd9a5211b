package dev.registryoperator.registry.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.ServiceSpec.ServiceType;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import org.junit.jupiter.api.Test;

class RegistryServiceTest {

  @Test
  void isAClusterIpServiceNamedAfterTheRegistryByDefault() {
    Service service = RegistryService.render(Fixtures.registry());

    assertThat(service.getMetadata().getName()).isEqualTo("demo");
    assertThat(service.getMetadata().getNamespace()).isEqualTo("team-a");
    assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
  }

  @Test
  void metricsHaveAClusterIpServiceOfTheirOwnWhateverTheMainServiceIs() {
    Service metrics =
        RegistryService.renderMetrics(
            Fixtures.registry(
                spec -> {
                  spec.service.type = ServiceType.LoadBalancer;
                }));

    assertThat(metrics.getMetadata().getName()).isEqualTo("demo-metrics");
    assertThat(metrics.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(metrics.getSpec().getPorts()).hasSize(1);
    assertThat(metrics.getSpec().getPorts().get(0).getName()).isEqualTo("metrics");
    assertThat(metrics.getSpec().getPorts().get(0).getPort()).isEqualTo(9091);
    assertThat(metrics.getSpec().getPorts().get(0).getProtocol()).isEqualTo("TCP");
    assertThat(metrics.getSpec().getPorts().get(0).getTargetPort().getStrVal())
        .isEqualTo("metrics");
    assertThat(metrics.getSpec().getSelector())
        .isEqualTo(RegistryService.render(Fixtures.registry()).getSpec().getSelector());
    assertThat(metrics.getMetadata().getOwnerReferences()).hasSize(1);
  }

  @Test
  void exposesOnlyTheProxysTlsPort() {
    Service service = RegistryService.render(Fixtures.registry());

    assertThat(service.getSpec().getPorts()).hasSize(1);
    ServicePort port = service.getSpec().getPorts().get(0);
    assertThat(port.getName()).isEqualTo("https");
    assertThat(port.getPort()).isEqualTo(15000);
    // By name, so that it follows the container port.
    assertThat(port.getTargetPort().getStrVal()).isEqualTo("https");
    assertThat(port.getNodePort()).isNull();
  }

  @Test
  void protocolIsAlwaysSetBecauseServerSideApplyNeedsIt() {
    assertThat(
            RegistryService.render(Fixtures.registry()).getSpec().getPorts().get(0).getProtocol())
        .isEqualTo("TCP");
  }

  @Test
  void targetPortIsTheProxyContainersPortName() {
    PrivateRegistry registry = Fixtures.registry(spec -> spec.proxy.port = 8443);
    ServicePort port = RegistryService.render(registry).getSpec().getPorts().get(0);
    var proxy =
        RegistryDeployment.render(registry, null, null, Fixtures.OPERATOR_IMAGE)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .stream()
            .filter(container -> container.getName().equals(RegistryDeployment.PROXY_CONTAINER))
            .findFirst()
            .orElseThrow();

    assertThat(port.getPort()).isEqualTo(8443);
    assertThat(proxy.getPorts())
        .anySatisfy(
            containerPort -> {
              assertThat(containerPort.getName()).isEqualTo(port.getTargetPort().getStrVal());
              assertThat(containerPort.getContainerPort()).isEqualTo(8443);
            });
  }

  @Test
  void selectsThePodsOfThisRegistryWithTheDeploymentsSelector() {
    PrivateRegistry registry = Fixtures.registry();
    Service service = RegistryService.render(registry);

    assertThat(service.getSpec().getSelector()).isEqualTo(Labels.selector("demo"));
    assertThat(
            RegistryDeployment.render(registry, null, null, Fixtures.OPERATOR_IMAGE)
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getLabels())
        .containsAllEntriesOf(service.getSpec().getSelector());
  }

  @Test
  void nodePortIsSetForNodePortServices() {
    Service service =
        RegistryService.render(
            Fixtures.registry(
                spec -> {
                  spec.service.type = ServiceType.NodePort;
                  spec.service.nodePort = 30500;
                }));

    assertThat(service.getSpec().getType()).isEqualTo("NodePort");
    assertThat(service.getSpec().getPorts().get(0).getNodePort()).isEqualTo(30500);
  }

  @Test
  void nodePortIsSetForLoadBalancerServices() {
    Service service =
        RegistryService.render(
            Fixtures.registry(
                spec -> {
                  spec.service.type = ServiceType.LoadBalancer;
                  spec.service.nodePort = 30501;
                }));

    assertThat(service.getSpec().getType()).isEqualTo("LoadBalancer");
    assertThat(service.getSpec().getPorts().get(0).getNodePort()).isEqualTo(30501);
  }

  @Test
  void nodePortIsLeftToKubernetesWhenNotGiven() {
    Service service =
        RegistryService.render(Fixtures.registry(spec -> spec.service.type = ServiceType.NodePort));

    assertThat(service.getSpec().getPorts().get(0).getNodePort()).isNull();
  }

  @Test
  void nodePortIsNeverSetOnAClusterIpService() {
    // The API server rejects a ClusterIP Service with a nodePort; validation reports it to the
    // user.
    Service service =
        RegistryService.render(Fixtures.registry(spec -> spec.service.nodePort = 30500));

    assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(service.getSpec().getPorts().get(0).getNodePort()).isNull();
  }

  @Test
  void isControlledByTheRegistry() {
    assertThat(RegistryService.render(Fixtures.registry()).getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getUid()).isEqualTo(Fixtures.UID);
              assertThat(owner.getController()).isTrue();
            });
  }

  @Test
  void urlIsTheInClusterServiceNameWithThePort() {
    assertThat(RegistryService.url(Fixtures.registry())).isEqualTo("https://demo.team-a.svc:15000");
    assertThat(RegistryService.url(Fixtures.registry(spec -> spec.proxy.port = 8443)))
        .isEqualTo("https://demo.team-a.svc:8443");
  }
}
