package dev.registryoperator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.api.v1alpha1.AuthSpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.e2e.HostCommand;
import dev.registryoperator.e2e.OciImages;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.testing.Edits;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One registry on the real cluster, the way users run it: kubelet runs its pod (the real probes,
 * the real volume and Secret-volume updates, Recreate), kube-proxy its Service, and clients on the
 * node reach it by its Service name. Users come, go and change passwords without a pod restart; the
 * pod rolls exactly when its configuration, certificate or image changes, and the claim with the
 * images outlives every pod. In Token mode containerd itself is the token client.
 */
@ExtendWith(RealCluster.Extension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegistryOnClusterIT {

  private static final String NAMESPACE = "registry-on-cluster";

  @RegisterExtension static final ClusterNamespace OWN_NAMESPACE = new ClusterNamespace(NAMESPACE);
  private static final String REGISTRY = "lifecycle";
  private static final String HOST = REGISTRY + "." + NAMESPACE + ".svc:15000";
  private static final String API_VERSION_HEADER = "Docker-Distribution-Api-Version";
  private static final String REVISION = "deployment.kubernetes.io/revision";

  private static RealCluster cluster;
  private static KubernetesClient client;
  private static NodeClients node;
  private static String alicePassword;
  private static String claimUid;

  @BeforeAll
  static void aRegistryWithAUser(RealCluster realCluster) {
    cluster = realCluster;
    client = cluster.client();
    ClusterWork.apply(
        client,
        NAMESPACE,
        ClusterWork.documents(
            ClusterWork.registryManifest(REGISTRY), ClusterWork.userManifest("alice", REGISTRY)));
    PrivateRegistry ready = awaitReady();
    node = NodeClients.trusting(ready.getStatus().nodeAccess.caCertificate);
    alicePassword = ClusterWork.generatedPassword(client, NAMESPACE, "alice");
    ClusterWork.awaitListedUsers(client, NAMESPACE, REGISTRY, 1);
    ClusterWork.awaitAccepted(node, HOST, alice());
    claimUid = claim().getMetadata().getUid();
  }

  @Test
  @Order(1)
  void pushAndPullOverVerifiedTlsWithTheCredentialsTheOperatorHandedOut() {
    // The pull Secret names the registry by the host clients use and carries the published CA.
    var pullSecret =
        client
            .secrets()
            .inNamespace(NAMESPACE)
            .withName(Fixtures.userSecretNames("alice").pullSecret())
            .get();
    assertThat(pullSecret.getType()).isEqualTo(Keys.DOCKER_CONFIG_TYPE);
    assertThat(SecretData.decode(pullSecret, Keys.DOCKER_CONFIG).orElseThrow())
        .contains("\"" + HOST + "\"");
    assertThat(SecretData.decode(pullSecret, Keys.CA_CERT)).contains(caCertificate());

    OciImages.OciImage image =
        OciImages.withRandomLayer(node.work().resolve("payload"), "v1", 16L << 20);

    NodeClients.assertSucceeded(
        node.copy(
            image.reference(), "docker://" + HOST + "/team/payload:v1", "--dest-creds", alice()),
        "push");
    Path pulled = node.work().resolve("pulled");
    NodeClients.assertSucceeded(
        node.copy(
            "docker://" + HOST + "/team/payload:v1",
            "oci:" + pulled + ":v1",
            "--src-creds",
            alice()),
        "pull");
    assertThat(OciImages.digest(OciImages.blob(pulled, image.layerDigest())))
        .isEqualTo(image.layerDigest());

    // Without the published CA, the same push is refused by the client.
    HostCommand.Result untrusted =
        HostCommand.run(
            Duration.ofMinutes(1),
            "skopeo",
            "--insecure-policy",
            "inspect",
            "--creds",
            "nobody:nothing",
            "docker://" + HOST + "/team/payload:v1");
    assertThat(untrusted.stderr()).contains("certificate signed by unknown authority");
  }

  @Test
  @Order(2)
  void theProxyAnswersAsTheRegistryProtocolSaysAndRefusesOldDockerClients() {
    NodeClients.Answer anonymous = node.request("https://" + HOST + "/v2/", null, null);
    NodeClients.Answer wrong = node.request("https://" + HOST + "/v2/", "alice:wrong", null);
    NodeClients.Answer base = node.request("https://" + HOST + "/v2/", alice(), null);

    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(base.status()).isEqualTo(200);
    for (NodeClients.Answer answer : List.of(anonymous, wrong, base)) {
      assertThat(answer.hasHeader(API_VERSION_HEADER, "registry/2.0"))
          .as(answer.headers())
          .isTrue();
    }
    // docker 1.5 mishandles /v2/: it is told there is none.
    assertThat(node.request("https://" + HOST + "/v2/", alice(), "docker/1.5.0").status())
        .isEqualTo(404);
  }

  @Test
  @Order(3)
  void usersComeChangeTheirPasswordAndGoWithoutAPodRestart() {
    Pod before = registryPod();
    String revision = revision();
    setBobsPassword("first-password-of-bob");
    ClusterWork.apply(
        client,
        NAMESPACE,
        """
        apiVersion: registryoperator.dev/v1alpha1
        kind: RegistryUser
        metadata:
          name: bob
        spec:
          registryRef: %s
          passwordSecretRef:
            name: bob-secret
        """
            .formatted(REGISTRY));
    // kubelet brings the new htpasswd into the running pod (its Secret-volume sync, ~10 s here).
    awaitStatus("bob:first-password-of-bob", 200);

    setBobsPassword("second-password-of-bob");
    awaitStatus("bob:second-password-of-bob", 200);
    assertThat(node.request("https://" + HOST + "/v2/", "bob:first-password-of-bob", null).status())
        .isEqualTo(401);

    client
        .resources(dev.registryoperator.api.v1alpha1.RegistryUser.class)
        .inNamespace(NAMESPACE)
        .withName("bob")
        .delete();
    awaitStatus("bob:second-password-of-bob", 401);

    Pod after = registryPod();
    assertThat(after.getMetadata().getUid()).isEqualTo(before.getMetadata().getUid());
    assertThat(after.getStatus().getContainerStatuses())
        .allSatisfy(status -> assertThat(status.getRestartCount()).isZero());
    assertThat(revision()).isEqualTo(revision);
  }

  @Test
  @Order(4)
  void theRegistryPortsAreReachableOnlyInsideThePod() {
    String podIp = registryPod().getStatus().getPodIP();
    for (String address : List.of(podIp + ":5000", podIp + ":5001")) {
      // 7: connection refused. Nothing listens on the pod IP but the proxy (and its metrics port).
      assertThat(node.connect(address)).as(address).isEqualTo(7);
    }
    HostCommand.Result inside =
        cluster.kubectl(
            "exec",
            "-n",
            NAMESPACE,
            registryPod().getMetadata().getName(),
            "-c",
            "registry",
            "--",
            "wget",
            "-q",
            "-O",
            "/dev/null",
            "http://127.0.0.1:5000/v2/");
    assertThat(inside.exitCode()).as(inside.toString()).isZero();
  }

  /** Through the metrics Service, as Prometheus scrapes it; the debug listener's rest stays in. */
  @Test
  @Order(5)
  void theMetricsServiceServesTheRegistrysMetricsAndNothingElseOfItsDebugListener() {
    String metrics =
        "http://"
            + client
                .services()
                .inNamespace(NAMESPACE)
                .withName(REGISTRY + "-metrics")
                .get()
                .getSpec()
                .getClusterIP()
            + ":9091";
    HostCommand.Result scrape =
        HostCommand.run(
            Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10", metrics + "/metrics");
    assertThat(scrape.orThrow().stdout())
        .containsPattern("(?m)^registry_http_requests_total\\{[^}]*\\} [1-9]")
        .containsPattern("(?m)^go_goroutines [1-9]");
    for (String debugPath : List.of("/debug/pprof/", "/debug/vars", "/debug/health", "/v2/")) {
      HostCommand.Result refused =
          HostCommand.run(
              Duration.ofSeconds(30),
              "curl",
              "-sS",
              "--max-time",
              "10",
              "-o",
              "/dev/null",
              "-w",
              "%{http_code}",
              metrics + debugPath);
      assertThat(refused.orThrow().stdout()).as(debugPath).isEqualTo("404");
    }
  }

  @Test
  @Order(6)
  void theImagesOutliveADeletedPodOnTheSameClaim() {
    Pod old = registryPod();
    client.resource(old).delete();

    await("a new registry pod")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> !registryPod().getMetadata().getUid().equals(old.getMetadata().getUid()));
    awaitReady();

    NodeClients.assertSucceeded(
        node.copy(
            "docker://" + HOST + "/team/payload:v1",
            "oci:" + node.work().resolve("after-pod-deletion") + ":v1",
            "--src-creds",
            alice()),
        "pull after the pod was replaced");
    assertThat(claim().getMetadata().getUid()).isEqualTo(claimUid);
  }

  /**
   * A configuration change, a certificate change and an image change each roll the pod exactly once
   * (one new revision), with Recreate, on the same claim.
   */
  @Test
  @Order(7)
  void thePodRollsOnceForEachConfigurationCertificateAndImageChange() {
    assertThat(deployment().getSpec().getStrategy().getType()).isEqualTo("Recreate");

    rollsOnce(registry -> registry.getSpec().proxy.readTimeoutSeconds = 300);
    rollsOnce(registry -> registry.getSpec().tls.dnsNames = List.of("registry.example.test"));
    String retagged = "docker.io/library/registry:2.8.3-retagged";
    cluster.tagImage("docker.io/library/registry:2.8.3", retagged);
    rollsOnce(registry -> registry.getSpec().image = retagged);

    assertThat(claim().getMetadata().getUid()).isEqualTo(claimUid);
    assertThat(node.request("https://" + HOST + "/v2/", alice(), null).status()).isEqualTo(200);
  }

  /** containerd as the token client: it asks the realm in the challenge with the pull Secret. */
  @Test
  @Order(8)
  void inTokenModeKubeletPullsThroughTheOperatorsTokenServer() {
    ClusterWork.pushBusybox(
        cluster, HOST + "/apps/busybox:1", "alice", alicePassword, caCertificate());
    edit(registry -> registry.getSpec().auth.mode = AuthSpec.AuthMode.Token);
    await("Token mode in effect")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                node.request("https://" + HOST + "/v2/", null, null)
                    .headers()
                    .contains("Bearer realm="));
    awaitReady();

    client
        .resource(
            NodePullClusterIT.workload(
                NAMESPACE,
                "token-app",
                HOST + "/apps/busybox:1",
                Fixtures.userSecretNames("alice").pullSecret()))
        .serverSideApply();

    Pod pod = ClusterWork.runningPod(client, NAMESPACE, "token-app", Duration.ofMinutes(2));
    // kubelet asks the registry at every pull (imagePullPolicy Always): a running pod is a pull
    // that containerd authorized with a token from the realm in the Bearer challenge.
    assertThat(ClusterWork.pulledBy(client, pod, HOST + "/apps/busybox:1")).isTrue();
  }

  /** bob's password Secret, owned by the test as a user's own Secret would be. */
  private static void setBobsPassword(String password) {
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("bob-secret")
                .withNamespace(NAMESPACE)
                .endMetadata()
                .addToStringData(Keys.PASSWORD, password)
                .build())
        .serverSideApply();
  }

  private static void rollsOnce(Consumer<PrivateRegistry> change) {
    int revision = Integer.parseInt(revision());
    String pod = registryPod().getMetadata().getUid();
    edit(change);
    await("one new revision")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              Deployment deployment = deployment();
              return Integer.parseInt(revision()) > revision
                  && deployment.getStatus() != null
                  && Integer.valueOf(1).equals(deployment.getStatus().getAvailableReplicas())
                  && Integer.valueOf(1).equals(deployment.getStatus().getUpdatedReplicas());
            });
    awaitReady();
    // Settled: exactly one new revision, and the pod it runs is a new one.
    assertThat(Integer.parseInt(revision())).isEqualTo(revision + 1);
    assertThat(registryPod().getMetadata().getUid()).isNotEqualTo(pod);
  }

  private static void edit(Consumer<PrivateRegistry> change) {
    client
        .resources(PrivateRegistry.class)
        .inNamespace(NAMESPACE)
        .withName(REGISTRY)
        .edit(Edits.unlocked(change));
  }

  private static void awaitStatus(String credentials, int status) {
    await("HTTP " + status + " for a user's credentials")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> node.request("https://" + HOST + "/v2/", credentials, null).status() == status);
  }

  private static PrivateRegistry awaitReady() {
    PrivateRegistry ready = ClusterWork.awaitReadyOnTheNode(client, NAMESPACE, REGISTRY);
    if (node != null) {
      // Ready is the Deployment's word; clients on the node also need kube-proxy to have caught up.
      ClusterWork.awaitServing(node, HOST);
    }
    return ready;
  }

  private static String caCertificate() {
    return awaitReady().getStatus().nodeAccess.caCertificate;
  }

  private static String alice() {
    return "alice:" + alicePassword;
  }

  private static Deployment deployment() {
    return client.apps().deployments().inNamespace(NAMESPACE).withName(REGISTRY).get();
  }

  private static String revision() {
    return deployment().getMetadata().getAnnotations().get(REVISION);
  }

  private static Pod registryPod() {
    return await("one registry pod")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                client
                    .pods()
                    .inNamespace(NAMESPACE)
                    .withLabel("registryoperator.dev/registry", REGISTRY)
                    .list()
                    .getItems()
                    .stream()
                    .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                    .toList(),
            pods -> pods.size() == 1)
        .get(0);
  }

  private static PersistentVolumeClaim claim() {
    return client
        .persistentVolumeClaims()
        .inNamespace(NAMESPACE)
        .withName(REGISTRY + "-data")
        .get();
  }
}
