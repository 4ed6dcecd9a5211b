package dev.registryoperator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.RegistryOperator;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.e2e.HostCommand;
import dev.registryoperator.testing.OperatorProcess;
import dev.registryoperator.testing.SecretScan;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kube-apiserver and etcd restarted under the running operator. Both are host processes of {@code
 * scripts/cluster.sh}; {@code restart-control-plane} stops them with SIGTERM (15 s grace) and
 * starts them again on the same etcd data, as a control-plane upgrade or reboot does. Everything
 * else keeps running. Afterwards the operator must reconcile a change made after the restart.
 * Prints how long the API server was away and how long after its return the change was reconciled.
 *
 * <p>Two ways of running the operator: as deploy/ runs it (two replicas, leader election), and as
 * one process without leader election. Only the second can promise to ride out any outage without a
 * restart: a leader that cannot renew its lease for JOSDK's renew deadline (10 s) must stop
 * leading, and the operator then exits so that kubelet restarts it (two leaders would fight). A
 * restart here keeps the API server away longer than that, so the leader may exit (it did in two of
 * four runs); if it did, its previous container must say that it stopped leading. The replica that
 * did not hold the lease must not restart.
 */
@ExtendWith(RealCluster.Extension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControlPlaneRestartClusterIT {

  private static final String NAMESPACE = "control-plane-restart";

  @RegisterExtension static final ClusterNamespace OWN_NAMESPACE = new ClusterNamespace(NAMESPACE);
  private static final String REGISTRY = "steady";
  private static final String OPERATOR = "registry-operator";
  private static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);

  /** What JOSDK logs when a replica loses its lease (before the operator exits). */
  private static final String STOPPED_LEADING = "Stopped leading";

  private static RealCluster cluster;
  private static KubernetesClient client;

  @BeforeAll
  static void aRegistry(RealCluster realCluster) {
    cluster = realCluster;
    client = cluster.client();
    ClusterWork.apply(client, NAMESPACE, ClusterWork.registryManifest(REGISTRY));
    ClusterWork.awaitReadyOnTheNode(client, NAMESPACE, REGISTRY);
  }

  @Test
  @Order(1)
  void theDeployedReplicasReconcileAChangeMadeAfterTheRestart() {
    Map<String, PodState> before = operatorPods();
    String leader = leader();

    Outage outage = restartControlPlane();
    double reconciledAfter = reconcileAUser("after-restart", 1);
    Map<String, PodState> after = operatorPods();
    System.out.printf(
        "ControlPlaneRestartClusterIT (deployed, leader election): API server away %.1f s; the"
            + " change made after it was reconciled %.1f s later; pods before %s, after %s; lease"
            + " holder before %s, after %s%n",
        outage.seconds(), reconciledAfter, before, after, leader, leader());

    assertThat(after.keySet())
        .as("the operator's pods after the restart")
        .isEqualTo(before.keySet());
    before.forEach(
        (pod, state) -> {
          PodState now = after.get(pod);
          assertThat(now.uid()).as("uid of operator pod %s", pod).isEqualTo(state.uid());
          if (!pod.equals(leader) || outage.seconds() < RENEW_DEADLINE.toSeconds()) {
            assertThat(now.restarts())
                .as(
                    "restarts of operator pod %s (lease holder: %s) after the API server was away"
                        + " %.1f s",
                    pod, pod.equals(leader), outage.seconds())
                .isEqualTo(state.restarts());
          } else {
            // It could not renew its lease for the renew deadline: it stopped leading and exited.
            assertThat(now.restarts())
                .as("restarts of the lease holder %s after the outage", pod)
                .isBetween(state.restarts(), state.restarts() + 1);
            if (now.restarts() > state.restarts()) {
              String previousLog =
                  client
                      .pods()
                      .inNamespace(RealCluster.OPERATOR_NAMESPACE)
                      .withName(pod)
                      .inContainer("operator")
                      .terminated()
                      .getLog();
              System.out.printf(
                  "ControlPlaneRestartClusterIT: the lease holder %s restarted; its previous"
                      + " container said it stopped leading: %s%n",
                  pod, previousLog.contains(STOPPED_LEADING));
              assertThat(previousLog)
                  .as("why the lease holder %s restarted: its previous container's log", pod)
                  .contains(STOPPED_LEADING);
            }
          }
        });
  }

  /**
   * One operator process without leader election (the deployed replicas scaled to zero meanwhile):
   * it keeps running through the restart, the same process, and reconciles the next change.
   */
  @Test
  @Order(2)
  void oneOperatorWithoutLeaderElectionRidesOutTheRestartWithoutARestartOfItsOwn() {
    Deployment deployed =
        client
            .apps()
            .deployments()
            .inNamespace(RealCluster.OPERATOR_NAMESPACE)
            .withName(OPERATOR)
            .get();
    String image = deployed.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    scaleDeployedOperator(0);
    OperatorProcess solo = null;
    try {
      // The deployed operator's settings, leader election aside: the same node agent and image,
      // so that taking over changes nothing.
      solo =
          OperatorProcess.start(
              "control-plane-restart-solo",
              cluster.kubeconfig(),
              Map.of("KUBERNETES_CERTS_CLIENT_KEY_ALGO", "EC"),
              "--auth-server-image=" + image,
              "--node-agent",
              "--node-agent-containerd-certs-dir=" + cluster.containerdCertsDir());
      long pid = solo.pid();
      reconcileAUser("before-restart", 2);

      Outage outage = restartControlPlane();
      double reconciledAfter = reconcileAUser("after-restart-solo", 3);
      System.out.printf(
          "ControlPlaneRestartClusterIT (one process, no leader election): API server away %.1f"
              + " s; the change made after it was reconciled %.1f s later; process %d alive: %s%n",
          outage.seconds(), reconciledAfter, pid, solo.isAlive());

      assertThat(solo.isAlive())
          .as(
              "the operator process %d after the API server was away %.1f s (log: %s)",
              pid, outage.seconds(), solo.log())
          .isTrue();
      assertThat(solo.pid()).as("the operator's process id").isEqualTo(pid);
    } finally {
      if (solo != null) {
        solo.stop();
      }
      scaleDeployedOperator(2);
    }
    SecretScan scan = SecretScan.of(client).text(solo.log().toString(), read(solo.log()));
    assertThat(scan.findings()).as("secret material in the operator process's log").isEmpty();
  }

  // ---------------------------------------------------------------------------------------------

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private record Outage(double seconds) {}

  private static Outage restartControlPlane() {
    long stopping = System.nanoTime();
    HostCommand.Result restart = cluster.restartControlPlane(Duration.ZERO);
    double seconds = (System.nanoTime() - stopping) / 1e9;
    System.out.printf(
        "ControlPlaneRestartClusterIT: %s%n", restart.stderr().strip().replace("\n", "; "));
    return new Outage(seconds);
  }

  /** Creates a user; returns the seconds until it was Ready and the registry listed it. */
  private static double reconcileAUser(String name, int usersThen) {
    long created = System.nanoTime();
    ClusterWork.apply(client, NAMESPACE, ClusterWork.userManifest(name, REGISTRY));
    await("user " + name + " reconciled")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> client.resources(RegistryUser.class).inNamespace(NAMESPACE).withName(name).get(),
            user -> user.getStatus() != null && ClusterWork.ready(user.getStatus().conditions));
    ClusterWork.awaitListedUsers(client, NAMESPACE, REGISTRY, usersThen);
    return (System.nanoTime() - created) / 1e9;
  }

  private static void scaleDeployedOperator(int replicas) {
    client
        .apps()
        .deployments()
        .inNamespace(RealCluster.OPERATOR_NAMESPACE)
        .withName(OPERATOR)
        .scale(replicas);
    await("the deployed operator at " + replicas + " ready replicas, and no other pod")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              Deployment deployment =
                  client
                      .apps()
                      .deployments()
                      .inNamespace(RealCluster.OPERATOR_NAMESPACE)
                      .withName(OPERATOR)
                      .get();
              int ready =
                  deployment.getStatus().getReadyReplicas() == null
                      ? 0
                      : deployment.getStatus().getReadyReplicas();
              return ready == replicas && operatorPods().size() == replicas;
            });
  }

  /** What tells a restarted container or a replaced pod. */
  private record PodState(String uid, int restarts) {
    @Override
    public String toString() {
      return uid.substring(0, 8) + " restarts=" + restarts;
    }
  }

  private static Map<String, PodState> operatorPods() {
    Map<String, PodState> pods = new TreeMap<>();
    for (Pod pod :
        client
            .pods()
            .inNamespace(RealCluster.OPERATOR_NAMESPACE)
            .withLabel("app.kubernetes.io/name", OPERATOR)
            .list()
            .getItems()) {
      int restarts =
          pod.getStatus().getContainerStatuses() == null
              ? 0
              : pod.getStatus().getContainerStatuses().stream()
                  .mapToInt(ContainerStatus::getRestartCount)
                  .sum();
      pods.put(pod.getMetadata().getName(), new PodState(pod.getMetadata().getUid(), restarts));
    }
    return pods;
  }

  private static String leader() {
    var lease =
        client
            .leases()
            .inNamespace(RealCluster.OPERATOR_NAMESPACE)
            .withName(RegistryOperator.LEASE_NAME)
            .get();
    return lease == null ? "none" : lease.getSpec().getHolderIdentity();
  }
}
