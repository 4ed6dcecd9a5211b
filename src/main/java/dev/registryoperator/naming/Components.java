package dev.registryoperator.naming;

/**
 * Values of the {@code app.kubernetes.io/component} label on everything the operator creates. The
 * informers select on them, so each cache holds only the kinds of children its controller reads.
 */
public final class Components {

  // A registry's children
  public static final String REGISTRY = "registry";
  public static final String STORAGE = "storage";

  /** The CA, the serving certificate and the public CA bundle. */
  public static final String TLS = "tls";

  /** The Service and ServiceMonitor Prometheus scrapes the registry's metrics through. */
  public static final String METRICS = "metrics";

  /** The htpasswd file. */
  public static final String AUTH = "auth";

  /** The Job that runs registry garbage-collect, and its pod. */
  public static final String GARBAGE_COLLECTION = "garbage-collection";

  // A user's children
  /** The user's bcrypt hash; the registry assembles its htpasswd file from these. */
  public static final String USER_ENTRY = "user-entry";

  /** A generated password. */
  public static final String USER_CREDENTIALS = "user-credentials";

  public static final String USER_PULL_SECRET = "user-pull-secret";

  // The node agent's (with --node-agent)
  public static final String NODE_AGENT = "node-agent";

  /** One node's account of the registries it configured. */
  public static final String NODE_REPORT = "node-report";

  private Components() {}
}
