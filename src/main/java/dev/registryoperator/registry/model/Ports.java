package dev.registryoperator.registry.model;

/** Ports inside the registry pod that are not configurable. */
public final class Ports {

  /** The registry listens here on 127.0.0.1 only: every client goes through the proxy. */
  public static final int REGISTRY = 5000;

  /** The registry's debug listener (health, Prometheus metrics), also bound to 127.0.0.1. */
  public static final int REGISTRY_DEBUG = 5001;

  /** The auth server (the operator's jar, a sidecar) listens here on 127.0.0.1 only. */
  public static final int AUTH_SERVER = 5002;

  /**
   * The proxy's plain-HTTP port for Prometheus: it serves the registry's /metrics and nothing else
   * of the debug listener, which also has pprof and expvar.
   */
  public static final int METRICS = 9091;

  /** Name of the metrics port, used by the metrics Service. */
  public static final String METRICS_PORT_NAME = "metrics";

  /** Name of the proxy's TLS port, used by the Service and the probes. */
  public static final String PROXY_PORT_NAME = "https";

  private Ports() {}
}
