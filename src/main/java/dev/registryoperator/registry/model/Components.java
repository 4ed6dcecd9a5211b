package dev.registryoperator.registry.model;

/** Values of the app.kubernetes.io/component label on a registry's children. */
public final class Components {

  public static final String REGISTRY = "registry";
  public static final String STORAGE = "storage";
  public static final String TLS = "tls";
  public static final String AUTH = "auth";

  private Components() {}
}
