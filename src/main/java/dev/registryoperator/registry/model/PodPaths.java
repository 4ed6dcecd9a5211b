package dev.registryoperator.registry.model;

/**
 * Where the registry pod's files live. The rendered configuration files refer to these paths, and
 * the Deployment mounts the volumes there. Tests that run nginx or the registry outside a container
 * render the same files under a temporary root.
 */
public record PodPaths(String root) {

  /** The paths inside the real pod. */
  public static final PodPaths IN_POD = new PodPaths("");

  /** Mount path of the nginx configuration (a ConfigMap volume). */
  public String nginxConfigDir() {
    return root + "/etc/registry-operator/nginx";
  }

  /** Mount path of the registry configuration (a ConfigMap volume). */
  public String registryConfigDir() {
    return root + "/etc/registry-operator/registry";
  }

  /** Mount path of the serving certificate (a Secret volume). */
  public String tlsDir() {
    return root + "/etc/registry-operator/tls";
  }

  /**
   * Mount path of the htpasswd Secret. Mounted as a directory, never with subPath: only then does
   * kubelet swap in updates, which nginx picks up on the next request.
   */
  public String htpasswdDir() {
    return root + "/etc/registry-operator/htpasswd";
  }

  /** Token mode: the auth server's signing key and certificate chain (a Secret volume). */
  public String tokenSigningDir() {
    return root + "/etc/registry-operator/token";
  }

  /** Token modes: the certificates the registry trusts for tokens (a Secret volume). */
  public String tokenTrustDir() {
    return root + "/etc/registry-operator/token-trust";
  }

  /** The registry's data (the PersistentVolumeClaim). */
  public String dataDir() {
    return root + "/var/lib/registry";
  }

  /** A writable emptyDir for nginx's pid and temporary files; the root filesystem is read-only. */
  public String proxyScratchDir() {
    return root + "/tmp";
  }
}
