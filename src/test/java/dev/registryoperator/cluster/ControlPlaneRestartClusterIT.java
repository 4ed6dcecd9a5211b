package dev.registryoperator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.RegistryOperator;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.e2e.HostCommand;
import dev.registryoperator.kube.OwnImage;
import dev.registryoperator.testing.OperatorProcess;
import dev.registryoperator.testing.SecretScan;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ContainerResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
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
 * leading, and the operator then exits so that kubelet restarts it (two leaders would fight). The
 * deployed replicas see the API server away for over a minute, longer than that deadline and longer
 * than their liveness window: a replica may restart only because it lost a lease it held (its
 * previous container says so), never by its liveness probe or a crash - nor its replacement, which
 * starts while the API server is still away and must wait for it, not fail its first lists.
 */
@ExtendWith(RealCluster.Extension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControlPlaneRestartClusterIT {

  private static final String NAMESPACE = "control-plane-restart";

  @RegisterExtension static final ClusterNamespace OWN_NAMESPACE = new ClusterNamespace(NAMESPACE);
  private static final String REGISTRY = "steady";
  private static final String OPERATOR = "registry-operator";

  /**
   * How long the control plane stays down beyond its restart (about 20 s): together longer than the
   * operator's liveness window (3 failures 20 s apart), so that a liveness probe that fails while
   * the API server is away restarts a replica here.
   */
  private static final Duration LONGER_THAN_LIVENESS = Duration.ofSeconds(45);

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

    Outage outage = restartControlPlane(LONGER_THAN_LIVENESS);
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
          assertThat(now.restarts())
              .as("restarts of operator pod %s (lease holder: %s)", pod, pod.equals(leader))
              .isBetween(state.restarts(), state.restarts() + 1);
          if (now.restarts() > state.restarts()) {
            // Only a lost lease ends a replica: the holder's, which could not renew while the API
            // server was away, or the standby's, had it taken the lease over afterwards and lost
            // it again. A liveness kill or a crash fails here, with what kubelet recorded.
            String previousLog = previousLog(pod);
            System.out.printf(
                "ControlPlaneRestartClusterIT: %s (lease holder before: %s) restarted; its"
                    + " previous container said it stopped leading: %s; its replacement: %s%n",
                pod,
                pod.equals(leader),
                previousLog.contains(STOPPED_LEADING),
                waitedForApiServer(pod));
            assertThat(previousLog)
                .as(
                    "why operator pod %s (lease holder before: %s) restarted: its previous"
                        + " container's log (%s)",
                    pod, pod.equals(leader), whyRestarted(pod))
                .contains(STOPPED_LEADING);
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

      Outage outage = restartControlPlane(Duration.ZERO);
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

  private static Outage restartControlPlane(Duration down) {
    long stopping = System.nanoTime();
    HostCommand.Result restart = cluster.restartControlPlane(down);
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

  private static ContainerResource operatorContainer(String pod) {
    return client
        .pods()
        .inNamespace(RealCluster.OPERATOR_NAMESPACE)
        .withName(pod)
        .inContainer(OwnImage.CONTAINER);
  }

  private static String previousLog(String pod) {
    return operatorContainer(pod).terminated().getLog();
  }

  /**
   * What the running container said about waiting for the API server: one started while it was
   * still away waits for it, instead of failing its first lists and being restarted once more
   * (which the restart count above would show).
   */
  private static String waitedForApiServer(String pod) {
    String said =
        operatorContainer(pod)
            .getLog()
            .lines()
            .filter(line -> line.contains("ApiServerWait"))
            .map(line -> line.substring(line.indexOf("ApiServerWait")))
            .collect(Collectors.joining(" / "));
    return said.isEmpty() ? "started with the API server there" : said;
  }

  /** How the pod's previous container ended, and what kubelet reported about the pod. */
  private static String whyRestarted(String pod) {
    Pod current = client.pods().inNamespace(RealCluster.OPERATOR_NAMESPACE).withName(pod).get();
    String ended =
        current.getStatus().getContainerStatuses().stream()
            .map(ContainerStatus::getLastState)
            .filter(state -> state != null && state.getTerminated() != null)
            .map(
                state ->
                    "ended: "
                        + state.getTerminated().getReason()
                        + " exit "
                        + state.getTerminated().getExitCode())
            .findFirst()
            .orElse("ended: unknown");
    String events =
        client.v1().events().inNamespace(RealCluster.OPERATOR_NAMESPACE).list().getItems().stream()
            .filter(event -> pod.equals(event.getInvolvedObject().getName()))
            .map(event -> event.getReason() + ": " + event.getMessage())
            .toList()
            .toString();
    return ended + "; kubelet: " + events;
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
