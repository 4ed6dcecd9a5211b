package dev.registryoperator.registry.model;

import dev.registryoperator.api.prometheus.ServiceMonitor;
import dev.registryoperator.api.v1alpha1.AuthSpec.AuthMode;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.OwnedMetadata;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.ArrayList;
import java.util.List;

/** Tells a Prometheus Operator to scrape the registry's metrics Service. */
public final class RegistryServiceMonitor {

  private RegistryServiceMonitor() {}

  public static ServiceMonitor render(PrivateRegistry registry) {
    RegistryNames names = RegistryNames.of(registry);
    ServiceMonitor monitor = new ServiceMonitor();
    monitor.setMetadata(
        OwnedMetadata.owned(
            registry, names.registry(), names.serviceMonitor(), Components.METRICS));
    ServiceMonitor.Spec spec = new ServiceMonitor.Spec();
    // The metrics Service only: it carries the same registry label as the main one.
    spec.selector =
        new LabelSelectorBuilder()
            .withMatchLabels(Labels.forComponent(names.registry(), Components.METRICS))
            .build();
    List<ServiceMonitor.Endpoint> endpoints = new ArrayList<>();
    endpoints.add(endpoint("/metrics"));
    if (registry.getSpec().auth.mode != AuthMode.ExternalToken) {
      endpoints.add(endpoint(NginxConfig.AUTH_SERVER_METRICS_PATH));
    }
    spec.endpoints = endpoints;
    monitor.setSpec(spec);
    return monitor;
  }

  private static ServiceMonitor.Endpoint endpoint(String path) {
    ServiceMonitor.Endpoint endpoint = new ServiceMonitor.Endpoint();
    endpoint.port = Ports.METRICS_PORT_NAME;
    endpoint.path = path;
    return endpoint;
  }
}
