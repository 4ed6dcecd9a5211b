package dev.registryoperator.naming;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;

/**
 * The one place where the names of a registry's children are derived. Everything that looks a child
 * up (dependents, status, tests) goes through here.
 */
public final class RegistryNames {

  private final String registry;

  private RegistryNames(String registry) {
    this.registry = registry;
  }

  public static RegistryNames of(PrivateRegistry registry) {
    return new RegistryNames(registry.getMetadata().getName());
  }

  public static RegistryNames of(String registryName) {
    return new RegistryNames(registryName);
  }

  public String registry() {
    return registry;
  }

  public String deployment() {
    return registry;
  }

  public String service() {
    return registry;
  }

  /** A ClusterIP Service for Prometheus only: the main one may be a NodePort or LoadBalancer. */
  public String metricsService() {
    return registry + "-metrics";
  }

  /** Prometheus Operator's ServiceMonitor for the metrics Service, where that CRD exists. */
  public String serviceMonitor() {
    return registry;
  }

  public String ingress() {
    return registry;
  }

  /** The optional NetworkPolicy in front of the registry's pods. */
  public String networkPolicy() {
    return registry;
  }

  /** Also the name a re-created registry of the same name finds its retained data under. */
  public String claim() {
    return registry + "-data";
  }

  public String caSecret() {
    return registry + "-ca";
  }

  public String tlsSecret() {
    return registry + "-tls";
  }

  /** The cert-manager Certificate, with spec.tls.issuerRef. */
  public String certificate() {
    return registry;
  }

  /** Where cert-manager writes the certificate it issues for the registry (spec.tls.issuerRef). */
  public String issuedTlsSecret() {
    return registry + "-cert-manager-tls";
  }

  public String htpasswdSecret() {
    return registry + "-htpasswd";
  }

  public String httpSecret() {
    return registry + "-http-secret";
  }

  public String configMap() {
    return registry + "-config";
  }

  /** The key and certificate the auth server signs tokens with (Token mode). */
  public String tokenSigningSecret() {
    return registry + "-token-signing";
  }

  /** The Job of a garbage collection: one at a time, so one name. */
  public String garbageCollectionJob() {
    return registry + "-gc";
  }

  public String caBundleConfigMap() {
    return registry + "-ca-bundle";
  }

  /** DNS names of the Service, shortest first, as clients inside the cluster may use them. */
  public String[] serviceDnsNames(String namespace) {
    String svc = service();
    return new String[] {
      svc,
      svc + "." + namespace,
      svc + "." + namespace + ".svc",
      svc + "." + namespace + ".svc.cluster.local"
    };
  }

  public String inClusterHost(String namespace) {
    return service() + "." + namespace + ".svc";
  }
}
