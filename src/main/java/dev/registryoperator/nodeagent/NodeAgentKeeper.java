package dev.registryoperator.nodeagent;

import dev.registryoperator.naming.Labels;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the node agent's DaemonSet as {@link NodeAgentDaemonSet} renders it, for as long as the
 * operator leads: applied at start, and again whenever someone deletes it or changes its spec (a
 * changed generation). Server-side apply with the operator's field manager, so a field another
 * manager owns alone (an added toleration, say) is left to that manager.
 */
public final class NodeAgentKeeper implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(NodeAgentKeeper.class);

  /** A refused apply (the API server away, RBAC not yet there) is tried again this much later. */
  private static final long RETRY_SECONDS = 30;

  private final KubernetesClient client;
  private final DaemonSet desired;
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "node-agent-keeper");
            thread.setDaemon(true);
            return thread;
          });
  private SharedIndexInformer<DaemonSet> watch;

  private NodeAgentKeeper(KubernetesClient client, DaemonSet desired) {
    this.client = client;
    this.desired = desired;
  }

  public static NodeAgentKeeper start(KubernetesClient client, NodeAgentSettings settings) {
    NodeAgentKeeper keeper = new NodeAgentKeeper(client, NodeAgentDaemonSet.render(settings));
    keeper.apply();
    keeper.watch =
        client
            .apps()
            .daemonSets()
            .inNamespace(settings.namespace())
            .withName(NodeAgentDaemonSet.NAME)
            .inform(keeper.new Drift());
    return keeper;
  }

  /**
   * Without --node-agent, an agent a previous run started is removed (the files it wrote on the
   * nodes stay, so that nodes keep pulling; see the README). Only a DaemonSet this operator made.
   */
  public static void removeIfPresent(KubernetesClient client, String namespace) {
    try {
      if (!mayDelete(client, namespace)) {
        // deploy/ without node-agent/ grants no DaemonSets, so none of ours can be there: ask the
        // authorizer instead of sending a request RBAC refuses at every start.
        log.debug("Not allowed to manage DaemonSets in {}: no node agent to remove", namespace);
        return;
      }
      DaemonSet existing =
          client.apps().daemonSets().inNamespace(namespace).withName(NodeAgentDaemonSet.NAME).get();
      if (existing != null
          && Labels.OPERATOR_NAME.equals(
              existing.getMetadata().getLabels().get(Labels.MANAGED_BY))) {
        client.resource(existing).delete();
        log.info("Removed the node agent DaemonSet {}/{}", namespace, NodeAgentDaemonSet.NAME);
      }
    } catch (KubernetesClientException e) {
      // An installation without deploy/node-agent/ may not grant DaemonSets: nothing to remove.
      log.debug("Cannot look for a node agent DaemonSet (HTTP {})", e.getCode());
    }
  }

  /** Whether this operator's identity may delete the node agent's DaemonSet (RBAC, not state). */
  private static boolean mayDelete(KubernetesClient client, String namespace) {
    SelfSubjectAccessReview review =
        new SelfSubjectAccessReviewBuilder()
            .withNewSpec()
            .withNewResourceAttributes()
            .withNamespace(namespace)
            .withVerb("delete")
            .withGroup("apps")
            .withResource("daemonsets")
            .withName(NodeAgentDaemonSet.NAME)
            .endResourceAttributes()
            .endSpec()
            .build();
    SelfSubjectAccessReview answered =
        client.authorization().v1().selfSubjectAccessReview().create(review);
    return answered.getStatus() != null && Boolean.TRUE.equals(answered.getStatus().getAllowed());
  }

  private void apply() {
    try {
      client
          .resource(desired)
          .fieldManager(Labels.OPERATOR_NAME)
          .forceConflicts()
          .serverSideApply();
    } catch (KubernetesClientException e) {
      log.warn(
          "Cannot apply the node agent DaemonSet {}/{} (HTTP {}), retrying in {} s: {}",
          desired.getMetadata().getNamespace(),
          NodeAgentDaemonSet.NAME,
          e.getCode(),
          RETRY_SECONDS,
          e.getStatus() == null ? e.getClass().getSimpleName() : e.getStatus().getMessage());
      if (!retries.isShutdown()) {
        retries.schedule(this::apply, RETRY_SECONDS, TimeUnit.SECONDS);
      }
    }
  }

  @Override
  public void close() {
    retries.shutdownNow();
    if (watch != null) {
      watch.close();
    }
  }

  /** Our own apply changes the generation once and then re-applies as a no-op: no loop. */
  private final class Drift implements ResourceEventHandler<DaemonSet> {
    @Override
    public void onAdd(DaemonSet daemonSet) {}

    @Override
    public void onUpdate(DaemonSet before, DaemonSet after) {
      if (!Objects.equals(
          before.getMetadata().getGeneration(), after.getMetadata().getGeneration())) {
        apply();
      }
    }

    @Override
    public void onDelete(DaemonSet daemonSet, boolean deletedFinalStateUnknown) {
      apply();
    }
  }
}
