package dev.registryoperator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.RegistryOperator;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator's two replicas as deploy/ runs them: when the leader's pod dies without a word (its
 * container killed, the pod force-deleted), the other replica takes the lease and reconciles the
 * next change. Prints how long that took.
 */
@ExtendWith(RealCluster.Extension.class)
class LeaderElectionClusterIT {

  private static final String NAMESPACE = "leader-election";

  @RegisterExtension static final ClusterNamespace OWN_NAMESPACE = new ClusterNamespace(NAMESPACE);
  private static final String REGISTRY = "failover";

  private static KubernetesClient client;

  @BeforeAll
  static void aRegistry(RealCluster cluster) {
    client = cluster.client();
    ClusterWork.apply(client, NAMESPACE, ClusterWork.registryManifest(REGISTRY));
    ClusterWork.awaitReadyOnTheNode(client, NAMESPACE, REGISTRY);
  }

  @Test
  void whenTheLeaderDiesTheOtherReplicaTakesOverAndReconcilesTheNextChange() {
    String leader = lease().getSpec().getHolderIdentity();
    Pod leaderPod =
        client.pods().inNamespace(RealCluster.OPERATOR_NAMESPACE).withName(leader).get();
    assertThat(leaderPod).as("the lease holder %s is an operator pod", leader).isNotNull();

    long killed = System.nanoTime();
    // Grace period 0: kubelet kills the container at once; the lease is not released.
    client.resource(leaderPod).withGracePeriod(0).delete();
    ClusterWork.apply(client, NAMESPACE, ClusterWork.userManifest("after-failover", REGISTRY));

    await("the user reconciled by the new leader")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () ->
                client
                    .resources(RegistryUser.class)
                    .inNamespace(NAMESPACE)
                    .withName("after-failover")
                    .get(),
            user -> user.getStatus() != null && ClusterWork.ready(user.getStatus().conditions));
    double seconds = (System.nanoTime() - killed) / 1e9;
    System.out.printf(
        "LeaderElectionClusterIT: leader %s killed; the change was reconciled %.1f s later%n",
        leader, seconds);

    assertThat(lease().getSpec().getHolderIdentity()).isNotEqualTo(leader);
    ClusterWork.awaitListedUsers(client, NAMESPACE, REGISTRY, 1);
  }

  private static Lease lease() {
    return client
        .leases()
        .inNamespace(RealCluster.OPERATOR_NAMESPACE)
        .withName(RegistryOperator.LEASE_NAME)
        .get();
  }
}
