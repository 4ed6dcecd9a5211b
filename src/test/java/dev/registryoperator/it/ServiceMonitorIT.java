package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.prometheus.ServiceMonitor;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.Service;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Where the Prometheus Operator's ServiceMonitor CRD is installed, each registry gets a
 * ServiceMonitor that selects its metrics Service and nothing else; a CRD installed after the
 * registries reaches them within seconds. (Every other IT class runs without that CRD: nothing
 * breaks there.)
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServiceMonitorIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final String API_VERSION = PrivateRegistry.GROUP + "/" + PrivateRegistry.VERSION;

  /** The CRD is watched by name: "within seconds", with room for a busy host. */
  private static final Duration CRD_PICKUP = Duration.ofSeconds(15);

  private static OperatorUnderTest operator;

  @BeforeAll
  static void startTheOperatorBeforeTheCrdExists() {
    operator = OperatorUnderTest.start(API);
  }

  @AfterAll
  static void stopOperator() {
    if (operator != null) {
      operator.close();
    }
  }

  @Test
  @Order(1)
  void aPrometheusOperatorInstalledLaterReachesTheRegistriesAtOnce() {
    TestNamespace namespace = TestNamespace.create(API, "monitoring-later");
    namespace.create(registry("early"));
    namespace.awaitReady("early", "DeploymentUnavailable");

    long installedAt = System.nanoTime();
    ServiceMonitorCrd.install(API);
    Awaitility.await("the ServiceMonitor of a registry that existed before the CRD")
        .atMost(CRD_PICKUP)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                namespace.get(ServiceMonitor.class, RegistryNames.of("early").serviceMonitor())
                    != null);
    System.out.printf(
        "[it] ServiceMonitor created %d ms after the Prometheus Operator's CRD was installed%n",
        Duration.ofNanos(System.nanoTime() - installedAt).toMillis());
  }

  @Test
  @Order(2)
  void aRegistryGetsAServiceMonitorForItsMetricsServiceOnly() {
    if (API.client()
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName(ServiceMonitorCrd.NAME)
            .get()
        == null) {
      ServiceMonitorCrd.install(API);
    }
    TestNamespace namespace = TestNamespace.create(API, "monitoring");
    namespace.create(registry("demo"));
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

  private static String registry(String name) {
    return """
        apiVersion: %s
        kind: PrivateRegistry
        metadata:
          name: %s
        spec:
          service:
            type: NodePort
        """
        .formatted(API_VERSION, name);
  }
}
