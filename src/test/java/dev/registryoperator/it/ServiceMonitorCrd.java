package dev.registryoperator.it;

/** The Prometheus Operator's ServiceMonitor CRD, as a schemaless {@link StandInCrd}. */
final class ServiceMonitorCrd {

  static final String NAME = "servicemonitors.monitoring.coreos.com";

  private ServiceMonitorCrd() {}

  /** Installs the CRD and waits until the server serves it. */
  static void install(RealApiServer api) {
    StandInCrd.install(api, "monitoring.coreos.com", "v1", "ServiceMonitor");
  }
}
