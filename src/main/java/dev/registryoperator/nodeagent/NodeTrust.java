package dev.registryoperator.nodeagent;

import dev.registryoperator.api.v1alpha1.NodeAccessStatus;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.Hashes;
import dev.registryoperator.tls.Pem;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One registry as a node sees it: the names to resolve to the cluster IP, the port, and the CA to
 * trust for them. Read from the registry's {@code status.nodeAccess}, which the operator writes.
 *
 * <p>The agent writes these values into host files and directory names as root, so it checks them
 * itself rather than trusting whoever can write a status: a host must be a DNS name (no path
 * separators, no "..") and the cluster IP an IP literal.
 *
 * @param registry "namespace/name"
 */
public record NodeTrust(
    String registry, List<String> hosts, int port, String clusterIP, String caCertificate) {

  private static final Pattern DNS_NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+");
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9a-fA-F:.]{2,45}");

  /** What the node has configured for the registry, compared with what the operator published. */
  public static String fingerprint(String caCertificate) {
    return Hashes.shortSha256(caCertificate);
  }

  /** The registry's trust, when its status has all of it and every value is well formed. */
  public static Optional<NodeTrust> of(PrivateRegistry registry) {
    NodeAccessStatus access = registry.getStatus() == null ? null : registry.getStatus().nodeAccess;
    if (access == null
        || access.port == null
        || access.port < 1
        || access.port > 65535
        || access.clusterIP == null
        || !IP_LITERAL.matcher(access.clusterIP).matches()
        || access.caCertificate == null
        || access.hosts == null
        || access.hosts.isEmpty()
        || !access.hosts.stream().allMatch(host -> DNS_NAME.matcher(host).matches())
        || !isCertificate(access.caCertificate)) {
      return Optional.empty();
    }
    return Optional.of(
        new NodeTrust(
            registry.getMetadata().getNamespace() + "/" + registry.getMetadata().getName(),
            List.copyOf(access.hosts),
            access.port,
            access.clusterIP,
            access.caCertificate));
  }

  public String fingerprint() {
    return fingerprint(caCertificate);
  }

  /** "host:port" for each name: the directory names of containerd's and Docker's certs.d. */
  public List<String> authorities() {
    return hosts.stream().map(host -> host + ":" + port).toList();
  }

  private static boolean isCertificate(String pem) {
    try {
      Pem.certificate(pem);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
