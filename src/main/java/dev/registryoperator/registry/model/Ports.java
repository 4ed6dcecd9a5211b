package dev.registryoperator.registry.model;

/** Ports inside the registry pod that are not configurable. */
public final class Ports {

  /** The registry listens here on 127.0.0.1 only: every client goes through the proxy. */
  public static final int REGISTRY = 5000;

  /** The registry's debug listener (health, Prometheus metrics), also bound to 127.0.0.1. */
  public static final int REGISTRY_DEBUG = 5001;

  /** Name of the proxy's TLS port, used by the Service and the probes. */
  public static final String PROXY_PORT_NAME = "https";

  private Ports() {}
}
