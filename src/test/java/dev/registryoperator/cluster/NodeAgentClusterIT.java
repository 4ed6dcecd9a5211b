package dev.registryoperator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.e2e.HostCommand;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.nodeagent.NodeAgentDaemonSet;
import dev.registryoperator.nodeagent.NodeReport;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The node agent as the operator keeps it: restored when someone deletes it, reporting per node,
 * and with no more rights than it needs (checked with the API server's own authorizer).
 */
@ExtendWith(RealCluster.Extension.class)
class NodeAgentClusterIT {

  private static final String AGENT =
      "system:serviceaccount:"
          + RealCluster.AGENT_NAMESPACE
          + ":"
          + NodeAgentDaemonSet.SERVICE_ACCOUNT;

  private static RealCluster cluster;
  private static KubernetesClient client;

  @BeforeAll
  static void theCluster(RealCluster realCluster) {
    cluster = realCluster;
    client = cluster.client();
  }

  @Test
  void theOperatorRestoresADeletedAgentDaemonSet() {
    DaemonSet before = daemonSet();
    client.resource(before).delete();

    DaemonSet restored =
        await("the agent's DaemonSet back")
            .atMost(Duration.ofMinutes(1))
            .pollInterval(Duration.ofMillis(500))
            .until(
                NodeAgentClusterIT::daemonSet,
                d -> d != null && !d.getMetadata().getUid().equals(before.getMetadata().getUid()));
    assertThat(restored.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .isEqualTo(before.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());
    await("the agent running again")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              DaemonSet current = daemonSet();
              return current.getStatus() != null
                  && Integer.valueOf(1).equals(current.getStatus().getNumberReady());
            });
  }

  @Test
  void eachNodeReportsInAConfigMapOwnedByItsAgentPod() {
    ConfigMap report =
        await("node-1's report")
            .atMost(Duration.ofMinutes(1))
            .until(
                () ->
                    client
                        .configMaps()
                        .inNamespace(RealCluster.AGENT_NAMESPACE)
                        .withName(NodeReport.name("node-1"))
                        .get(),
                r -> r != null);

    assertThat(report.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(owner -> assertThat(owner.getKind()).isEqualTo("Pod"));
    assertThat(report.getData()).containsEntry(Keys.NODE_REPORT_NODE, "node-1");
  }

  /** Reads PrivateRegistries and writes its report; reads no Secret or ConfigMap anywhere. */
  @Test
  void theAgentMayReadRegistriesAndWriteItsReportAndNothingMore() {
    assertThat(canI("list", "privateregistries.registryoperator.dev", "--all-namespaces")).isTrue();
    assertThat(canI("patch", "configmaps", "-n", RealCluster.AGENT_NAMESPACE)).isTrue();

    assertThat(canI("get", "secrets", "--all-namespaces")).isFalse();
    assertThat(canI("get", "secrets", "-n", RealCluster.AGENT_NAMESPACE)).isFalse();
    assertThat(canI("list", "configmaps", "--all-namespaces")).isFalse();
    assertThat(canI("patch", "configmaps", "-n", "default")).isFalse();
    assertThat(canI("patch", "privateregistries.registryoperator.dev", "--all-namespaces"))
        .isFalse();
    assertThat(canI("patch", "privateregistries.registryoperator.dev/status", "--all-namespaces"))
        .isFalse();
    assertThat(canI("create", "pods", "-n", RealCluster.AGENT_NAMESPACE)).isFalse();
  }

  private static boolean canI(String verb, String resource, String... scope) {
    String[] command = new String[5 + scope.length];
    command[0] = "auth";
    command[1] = "can-i";
    command[2] = verb;
    command[3] = resource;
    command[4] = "--as=" + AGENT;
    System.arraycopy(scope, 0, command, 5, scope.length);
    HostCommand.Result answer = cluster.kubectl(command);
    // kubectl auth can-i: "yes" with 0, "no" with 1; anything else is an error of the check.
    assertThat(answer.stdout().trim()).as(answer.toString()).isIn("yes", "no");
    return answer.stdout().trim().equals("yes");
  }

  private static DaemonSet daemonSet() {
    return client
        .apps()
        .daemonSets()
        .inNamespace(RealCluster.AGENT_NAMESPACE)
        .withName(NodeAgentDaemonSet.NAME)
        .get();
  }
}
