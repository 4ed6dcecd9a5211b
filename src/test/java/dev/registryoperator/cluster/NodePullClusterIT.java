package dev.registryoperator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.nodeagent.HostsBlock;
import dev.registryoperator.nodeagent.NodeFiles;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What people run a registry in their cluster for: the cluster's own pods run images from it. On
 * the real node, with the node agent on: kubelet's containerd resolves the Service name and trusts
 * the operator's CA because the agent configured them, and pulls with the user's generated pull
 * Secret; a wrong password or a removed user ends in ErrImagePull; a deleted registry leaves
 * nothing behind on the node.
 */
@ExtendWith(RealCluster.Extension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodePullClusterIT {

  private static final String NAMESPACE = "node-pull";

  @RegisterExtension static final ClusterNamespace OWN_NAMESPACE = new ClusterNamespace(NAMESPACE);
  private static final String REGISTRY = "demo";
  private static final String HOST = REGISTRY + "." + NAMESPACE + ".svc";
  private static final String IMAGE = HOST + ":15000/apps/busybox:1";
  private static final String PULL_SECRET = Fixtures.userSecretNames("pusher").pullSecret();

  private static RealCluster cluster;
  private static KubernetesClient client;

  @BeforeAll
  static void aRegistryAndAUser(RealCluster realCluster) throws Exception {
    cluster = realCluster;
    client = cluster.client();
    ClusterWork.apply(client, NAMESPACE, Path.of("examples", "registry-minimal.yaml"));
    ClusterWork.apply(client, NAMESPACE, ClusterWork.userManifest("pusher", REGISTRY));
  }

  @Test
  @Order(1)
  void theNodeAgentConfiguresTheNodeAndTheRegistryCountsIt() throws Exception {
    PrivateRegistry registry = ClusterWork.awaitReadyOnTheNode(client, NAMESPACE, REGISTRY);

    assertThat(registry.getStatus().nodeAccess.nodes).isEqualTo(1);
    Path hostsToml = cluster.containerdCertsDir().resolve(HOST + ":15000").resolve("hosts.toml");
    assertThat(hostsToml).exists();
    assertThat(Files.readString(hostsToml)).contains("server = \"https://" + HOST + ":15000\"");
    assertThat(Files.readString(hostsToml.resolveSibling(NodeFiles.CA_FILE)))
        .isEqualTo(registry.getStatus().nodeAccess.caCertificate);
    assertThat(Files.readString(Path.of("/etc/hosts")))
        .contains(HostsBlock.BEGIN)
        .contains(registry.getStatus().nodeAccess.clusterIP + " " + HOST);
  }

  @Test
  @Order(2)
  void aWorkloadRunsAnImagePulledFromTheRegistryWithTheUsersPullSecret() throws Exception {
    String password = ClusterWork.generatedPassword(client, NAMESPACE, "pusher");
    ClusterWork.pushBusybox(cluster, IMAGE, "pusher", password, caOf(REGISTRY));

    client.resource(workload(NAMESPACE, "app", IMAGE, PULL_SECRET)).serverSideApply();

    Pod pod = ClusterWork.runningPod(client, NAMESPACE, "app", Duration.ofMinutes(2));
    ContainerStatus status = pod.getStatus().getContainerStatuses().get(0);
    assertThat(status.getImage()).isEqualTo(IMAGE);
    assertThat(ClusterWork.pulledBy(client, pod, IMAGE)).isTrue();
  }

  @Test
  @Order(3)
  void aWrongPasswordEndsInErrImagePull() {
    Secret good = client.secrets().inNamespace(NAMESPACE).withName(PULL_SECRET).get();
    String config = SecretData.decode(good, Keys.DOCKER_CONFIG).orElseThrow();
    String password = ClusterWork.generatedPassword(client, NAMESPACE, "pusher");
    String wrongAuth =
        Base64.getEncoder()
            .encodeToString(("pusher:not-" + password).getBytes(StandardCharsets.UTF_8));
    String goodAuth =
        Base64.getEncoder().encodeToString(("pusher:" + password).getBytes(StandardCharsets.UTF_8));
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("wrong-pull-secret")
                .withNamespace(NAMESPACE)
                .endMetadata()
                .withType(Keys.DOCKER_CONFIG_TYPE)
                .addToStringData(Keys.DOCKER_CONFIG, config.replace(goodAuth, wrongAuth))
                .build())
        .create();

    assertAWorkloadCannotPullWith("wrong-password", "wrong-pull-secret");
  }

  @Test
  @Order(4)
  void aRemovedUserCannotPullAnyMore() {
    // The user's pull Secret goes with the user (owned); a copy keeps its password.
    ClusterWork.copySecret(client, NAMESPACE, PULL_SECRET, "kept-pull-secret");
    String password = ClusterWork.generatedPassword(client, NAMESPACE, "pusher");
    long removed = System.nanoTime();
    client.resources(RegistryUser.class).inNamespace(NAMESPACE).withName("pusher").delete();
    ClusterWork.awaitListedUsers(client, NAMESPACE, REGISTRY, 0);
    // The running pod learns of it when kubelet syncs the htpasswd Secret's volume (its
    // syncFrequency, 10 s on this cluster, a minute by default): only then is the user refused.
    NodeClients node = NodeClients.trusting(caOf(REGISTRY));
    await("the removal reaching the registry pod")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                node.request("https://" + HOST + ":15000/v2/", "pusher:" + password, null).status()
                    == 401);
    System.out.printf(
        "NodePullClusterIT: a removed user was refused %.1f s after the delete%n",
        (System.nanoTime() - removed) / 1e9);

    assertAWorkloadCannotPullWith("removed-user", "kept-pull-secret");
  }

  @Test
  @Order(5)
  void aDeletedRegistryLeavesNothingOnTheNode() {
    client.resources(PrivateRegistry.class).inNamespace(NAMESPACE).withName(REGISTRY).delete();

    Path directory = cluster.containerdCertsDir().resolve(HOST + ":15000");
    await("the node agent removing what it wrote")
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                !Files.exists(directory)
                    && !Files.readString(Path.of("/etc/hosts")).contains(HOST));
  }

  private static String caOf(String registry) {
    return client
        .resources(PrivateRegistry.class)
        .inNamespace(NAMESPACE)
        .withName(registry)
        .get()
        .getStatus()
        .nodeAccess
        .caCertificate;
  }

  private static void assertAWorkloadCannotPullWith(String name, String pullSecret) {
    client.resource(workload(NAMESPACE, name, IMAGE, pullSecret)).serverSideApply();

    assertThat(ClusterWork.pullFailure(client, NAMESPACE, name, Duration.ofMinutes(2)))
        .isIn("ErrImagePull", "ImagePullBackOff");
  }

  /** A Deployment of one pod running {@code image}, pulled with {@code pullSecret}. */
  static Deployment workload(String namespace, String name, String image, String pullSecret) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .withMatchLabels(Map.of("app", name))
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(Map.of("app", name))
        .endMetadata()
        .withNewSpec()
        .addNewImagePullSecret(pullSecret)
        .addNewContainer()
        .withName("app")
        .withImage(image)
        // Always: every pod asks the registry, so a refused pull is a refusal, not a cached image.
        .withImagePullPolicy("Always")
        .withCommand("sleep", "3600")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }
}
