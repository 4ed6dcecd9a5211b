package dev.registryoperator.nodeagent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Labels;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's sync: the registries as the informer has them, through {@link NodeFiles}, onto the
 * node ({@link NodeConfigurator}), then the report. The report is written only when it changes, so
 * a registry's status updates cost one write per node only when the node's answer changes.
 */
final class NodeAgent {

  private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

  private static final long COALESCE_MILLIS = 200;

  /** A failed sync (the API server away, a file not writable) is tried again this much later. */
  private static final long RETRY_SECONDS = 10;

  private final NodeIdentity identity;
  private final Supplier<List<PrivateRegistry>> registries;
  private final NodeConfigurator configurator;
  private final Path containerdCertsDir;
  private final KubernetesClient client;
  private final ScheduledExecutorService loop;
  private final AtomicBoolean syncPending = new AtomicBoolean();
  private ConfigMap lastReport;

  /**
   * @param loop the one thread every sync runs on, so that syncs never overlap
   */
  NodeAgent(
      NodeIdentity identity,
      Supplier<List<PrivateRegistry>> registries,
      NodeConfigurator configurator,
      Path containerdCertsDir,
      KubernetesClient client,
      ScheduledExecutorService loop) {
    this.identity = identity;
    this.registries = registries;
    this.configurator = configurator;
    this.containerdCertsDir = containerdCertsDir;
    this.client = client;
    this.loop = loop;
  }

  /** Asks for a sync; requests arriving together (several registries changing) make one. */
  void syncSoon() {
    if (syncPending.compareAndSet(false, true)) {
      loop.schedule(this::syncNow, COALESCE_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  private void syncNow() {
    syncPending.set(false);
    if (!sync()) {
      loop.schedule(this::syncSoon, RETRY_SECONDS, TimeUnit.SECONDS);
    }
  }

  /** Returns false when the sync failed and should be retried. */
  boolean sync() {
    try {
      List<NodeTrust> trusts =
          registries.get().stream().map(NodeTrust::of).flatMap(Optional::stream).toList();
      NodeFiles files = NodeFiles.render(trusts, containerdCertsDir, configurator.hasDocker());
      for (String change : configurator.apply(files)) {
        log.info("Node {}: {}", identity.node(), change);
      }
      ConfigMap report = NodeReport.render(identity, trusts);
      if (!report.equals(lastReport)) {
        client
            .resource(report)
            .fieldManager(Labels.NODE_AGENT_NAME)
            .forceConflicts()
            .serverSideApply();
        lastReport = report;
      }
      return true;
    } catch (IOException | RuntimeException e) {
      log.warn("Node {}: sync failed, retrying: {}", identity.node(), e.toString());
      return false;
    }
  }
}
