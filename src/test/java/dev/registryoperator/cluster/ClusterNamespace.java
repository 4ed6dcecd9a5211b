package dev.registryoperator.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The namespace a cluster test class works in: new before the class's {@code @BeforeAll} methods
 * (one left by an earlier run on a kept cluster is deleted first, and waited for), deleted after
 * its tests and before the cluster's secret scan. Registered in a static field, after the class's
 * {@code @ExtendWith(RealCluster.Extension.class)}, which therefore starts the cluster first:
 *
 * <pre>
 * {@code @RegisterExtension static final ClusterNamespace OWN = new ClusterNamespace(NAMESPACE);}
 * </pre>
 */
final class ClusterNamespace implements BeforeAllCallback, AfterAllCallback {

  private final String name;
  private KubernetesClient client;

  ClusterNamespace(String name) {
    this.name = name;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    client = RealCluster.Extension.cluster(context).client();
    ClusterWork.freshNamespace(client, name);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (client != null) {
      client.namespaces().withName(name).delete();
    }
  }
}
