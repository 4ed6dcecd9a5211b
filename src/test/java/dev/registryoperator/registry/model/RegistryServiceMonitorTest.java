package dev.registryoperator.registry.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.prometheus.ServiceMonitor;
import dev.registryoperator.api.v1alpha1.AuthSpec.AuthMode;
import dev.registryoperator.testing.Fixtures;
import org.junit.jupiter.api.Test;

class RegistryServiceMonitorTest {

  @Test
  void selectsTheMetricsServiceAndScrapesItsMetricsPort() {
    ServiceMonitor monitor = RegistryServiceMonitor.render(Fixtures.registry());

    assertThat(monitor.getMetadata().getName()).isEqualTo("demo");
    assertThat(monitor.getMetadata().getNamespace()).isEqualTo("team-a");
    assertThat(monitor.getMetadata().getOwnerReferences()).hasSize(1);
    var metricsServiceLabels =
        RegistryService.renderMetrics(Fixtures.registry()).getMetadata().getLabels();
    var mainServiceLabels = RegistryService.render(Fixtures.registry()).getMetadata().getLabels();
    var selector = monitor.getSpec().selector.getMatchLabels();
    assertThat(metricsServiceLabels).containsAllEntriesOf(selector);
    // The main Service shares the registry label but not the component: it is not selected.
    assertThat(mainServiceLabels.entrySet().containsAll(selector.entrySet())).isFalse();
    assertThat(monitor.getSpec().endpoints)
        .allSatisfy(endpoint -> assertThat(endpoint.port).isEqualTo(Ports.METRICS_PORT_NAME))
        .extracting(endpoint -> endpoint.path)
        .containsExactly("/metrics", "/auth-server/metrics");
  }

  @Test
  void anExternalTokenServerHasNoAuthServerToScrape() {
    ServiceMonitor monitor =
        RegistryServiceMonitor.render(Fixtures.registryInMode(AuthMode.ExternalToken));

    assertThat(monitor.getSpec().endpoints)
        .extracting(endpoint -> endpoint.path)
        .containsExactly("/metrics");
  }
}
