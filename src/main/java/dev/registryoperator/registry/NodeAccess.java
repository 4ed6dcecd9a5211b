package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.NodeAccessStatus;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.nodeagent.NodeReport;
import dev.registryoperator.nodeagent.NodeTrust;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;
import java.util.Arrays;
import java.util.Collection;
import java.util.Optional;

/**
 * A registry's {@code status.nodeAccess}: what the node agents need (names, port, cluster IP, CA),
 * and how many of their reports say they have it; pure.
 */
final class NodeAccess {

  private NodeAccess() {}

  /**
   * Empty until the Service has its cluster IP and the CA bundle is published: an agent gets all of
   * it or nothing.
   */
  static Optional<NodeAccessStatus> of(
      PrivateRegistry registry,
      Optional<Service> service,
      Optional<ConfigMap> caBundle,
      Collection<ConfigMap> reports) {
    Optional<String> clusterIP =
        service
            .map(s -> s.getSpec() == null ? null : s.getSpec().getClusterIP())
            .filter(ip -> !ip.isBlank() && !"None".equals(ip));
    Optional<String> ca = caBundle.map(ConfigMap::getData).map(data -> data.get(Keys.CA_CERT));
    if (clusterIP.isEmpty() || ca.isEmpty()) {
      return Optional.empty();
    }
    String namespace = registry.getMetadata().getNamespace();
    String key = namespace + "/" + registry.getMetadata().getName();
    String fingerprint = NodeTrust.fingerprint(ca.get());
    NodeAccessStatus access = new NodeAccessStatus();
    // Only the names under .svc: the shorter ones would resolve on the node for any search
    // domain, and could shadow a real host (a registry "example" in namespace "com").
    access.hosts =
        Arrays.stream(RegistryNames.of(registry).serviceDnsNames(namespace))
            .filter(host -> host.contains(".svc"))
            .toList();
    access.port = registry.getSpec().proxy.port;
    access.clusterIP = clusterIP.get();
    access.caCertificate = ca.get();
    access.nodes = reports.size();
    access.configuredNodes =
        (int)
            reports.stream()
                .filter(report -> fingerprint.equals(NodeReport.configured(report).get(key)))
                .count();
    return Optional.of(access);
  }
}
