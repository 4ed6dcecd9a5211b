package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.prometheus.ServiceMonitor;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.Service;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Where the Prometheus Operator's ServiceMonitor CRD is installed, each registry gets a
 * ServiceMonitor that selects its metrics Service and nothing else. (Every other IT class runs
 * without that CRD: nothing breaks there.)
 */
class ServiceMonitorIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final String API_VERSION = PrivateRegistry.GROUP + "/" + PrivateRegistry.VERSION;

  private static OperatorUnderTest operator;

  @BeforeAll
  static void installTheServiceMonitorCrdAndStartTheOperator() {
    ServiceMonitorCrd.install(API);
    operator = OperatorUnderTest.start(API);
  }

  @AfterAll
  static void stopOperator() {
    if (operator != null) {
      operator.close();
    }
  }

  @Test
  void aRegistryGetsAServiceMonitorForItsMetricsServiceOnly() {
    TestNamespace namespace = TestNamespace.create(API, "monitoring");
    namespace.create(
        """
        apiVersion: %s
        kind: PrivateRegistry
        metadata:
          name: demo
        spec:
          service:
            type: NodePort
        """
            .formatted(API_VERSION));
    RegistryNames names = RegistryNames.of("demo");

    ServiceMonitor monitor = namespace.awaitPresent(ServiceMonitor.class, names.serviceMonitor());
    Service metrics = namespace.awaitPresent(Service.class, names.metricsService());
    Service main = namespace.awaitPresent(Service.class, names.service());

    var selector = monitor.getSpec().selector.getMatchLabels();
    assertThat(metrics.getMetadata().getLabels()).containsAllEntriesOf(selector);
    assertThat(main.getMetadata().getLabels())
        .doesNotContainEntry(
            "app.kubernetes.io/component", selector.get("app.kubernetes.io/component"));
    // The registry's metrics and its auth server's, both on the metrics port.
    assertThat(monitor.getSpec().endpoints)
        .allSatisfy(endpoint -> assertThat(endpoint.port).isEqualTo("metrics"))
        .extracting(endpoint -> endpoint.path)
        .containsExactly("/metrics", "/auth-server/metrics");
    assertThat(metrics.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(monitor.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(owner -> assertThat(owner.getName()).isEqualTo("demo"));
  }
}
