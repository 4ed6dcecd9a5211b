package dev.registryoperator.registry.model;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistrySpec;
import dev.registryoperator.api.v1alpha1.ServiceSpec.ServiceType;
import dev.registryoperator.kube.OwnedMetadata;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;

/**
 * The Service in front of the proxy. Only the TLS port: the registry's own ports stay in the pod.
 */
public final class RegistryService {

  private RegistryService() {}

  public static Service render(PrivateRegistry registry) {
    PrivateRegistrySpec spec = registry.getSpec();
    RegistryNames names = RegistryNames.of(registry);
    Integer nodePort = spec.service.type == ServiceType.ClusterIP ? null : spec.service.nodePort;
    return new ServiceBuilder()
        .withMetadata(
            OwnedMetadata.owned(registry, names.registry(), names.service(), Components.REGISTRY))
        .withNewSpec()
        .withType(spec.service.type.name())
        .withSelector(Labels.selector(names.registry()))
        .withPorts(
            new ServicePortBuilder()
                .withName(Ports.PROXY_PORT_NAME)
                // SSA on 1.20 refuses ports without a protocol (a list key); harmless on 1.36.
                .withProtocol("TCP")
                .withPort(spec.proxy.port)
                .withTargetPort(new IntOrString(Ports.PROXY_PORT_NAME))
                .withNodePort(nodePort)
                .build())
        .endSpec()
        .build();
  }

  /**
   * The Service Prometheus scrapes the registry's metrics through: always ClusterIP, so that the
   * metrics never reach beyond the cluster, whatever type the main Service has.
   */
  public static Service renderMetrics(PrivateRegistry registry) {
    RegistryNames names = RegistryNames.of(registry);
    return new ServiceBuilder()
        .withMetadata(
            OwnedMetadata.owned(
                registry, names.registry(), names.metricsService(), Components.METRICS))
        .withNewSpec()
        .withType(ServiceType.ClusterIP.name())
        .withSelector(Labels.selector(names.registry()))
        .withPorts(
            new ServicePortBuilder()
                .withName(Ports.METRICS_PORT_NAME)
                .withProtocol("TCP")
                .withPort(Ports.METRICS)
                .withTargetPort(new IntOrString(Ports.METRICS_PORT_NAME))
                .build())
        .endSpec()
        .build();
  }

  public static String url(PrivateRegistry registry) {
    return "https://"
        + RegistryNames.of(registry).inClusterHost(registry.getMetadata().getNamespace())
        + ":"
        + registry.getSpec().proxy.port;
  }
}
