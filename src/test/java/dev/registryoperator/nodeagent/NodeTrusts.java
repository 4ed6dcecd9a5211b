package dev.registryoperator.nodeagent;

import dev.registryoperator.api.v1alpha1.NodeAccessStatus;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistryStatus;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.Pem;
import java.util.List;

/** Registries with a status.nodeAccess, as the operator publishes it, for the agent's tests. */
final class NodeTrusts {

  static final String CA =
      Pem.encode(CertificateAuthority.generate("test CA", Fixtures.CLOCK).certificate());

  private NodeTrusts() {}

  static PrivateRegistry published(String namespace, String name, String clusterIP) {
    PrivateRegistry registry = Fixtures.registry();
    registry.getMetadata().setNamespace(namespace);
    registry.getMetadata().setName(name);
    NodeAccessStatus access = new NodeAccessStatus();
    access.hosts =
        List.of(name + "." + namespace + ".svc", name + "." + namespace + ".svc.cluster.local");
    access.port = 15000;
    access.clusterIP = clusterIP;
    access.caCertificate = CA;
    registry.setStatus(new PrivateRegistryStatus());
    registry.getStatus().nodeAccess = access;
    return registry;
  }

  static NodeTrust trust(String namespace, String name, String clusterIP) {
    return NodeTrust.of(published(namespace, name, clusterIP)).orElseThrow();
  }
}
