package dev.registryoperator;

import dev.registryoperator.kube.EventRecorder;
import dev.registryoperator.kube.TrimmedItemStore;
import dev.registryoperator.nodeagent.NodeAgentKeeper;
import dev.registryoperator.nodeagent.NodeAgentSettings;
import dev.registryoperator.registry.PrivateRegistryReconciler;
import dev.registryoperator.user.RegistryUserReconciler;
import dev.registryoperator.user.model.PasswordHasher;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/** Assembles the operator: one place where reconcilers get their collaborators. */
public final class RegistryOperator {

  /**
   * @param serverSideApply true in production. Only tests on the fabric8 mock server turn it off,
   *     because the mock cannot do server-side apply.
   * @param hasher bcrypt, a collaborator so that a benchmark can count its operations
   * @param metrics where JOSDK reports reconciles, durations, errors and queue sizes
   * @param meters where the operator's own metrics go (Ready counts, certificate expiry, bcrypt)
   * @param namespaces namespaces to watch; empty for all
   * @param leaseNamespace namespace of the leader-election lease, or null to run without leader
   *     election
   * @param operatorImage the image the operator runs; registry pods run their auth server from it
   * @param nodeAgent the node agent's settings (run or removed), or null to leave DaemonSets alone
   */
  public record Settings(
      boolean serverSideApply,
      Set<String> namespaces,
      String leaseNamespace,
      Clock clock,
      PasswordHasher hasher,
      Metrics metrics,
      MeterRegistry meters,
      String operatorImage,
      NodeAgentSettings nodeAgent) {

    /** The image deploy/ installs; used when the operator does not run in a pod of its own. */
    public static final String DEFAULT_OPERATOR_IMAGE = "registryoperator/registry-operator:0.1.0";

    /** Production settings whose metrics stay in memory, for an operator nothing scrapes. */
    public static Settings production(Set<String> namespaces, String leaseNamespace) {
      return production(
          namespaces, leaseNamespace, new SimpleMeterRegistry(), DEFAULT_OPERATOR_IMAGE);
    }

    /** Everything measured goes to {@code meters}, which the health port serves to Prometheus. */
    public static Settings production(
        Set<String> namespaces, String leaseNamespace, MeterRegistry meters, String operatorImage) {
      return new Settings(
          true,
          namespaces,
          leaseNamespace,
          Clock.systemUTC(),
          new PasswordHasher(meters),
          MicrometerMetrics.withoutPerResourceMetrics(meters),
          meters,
          operatorImage,
          null);
    }

    public Settings withNodeAgent(NodeAgentSettings nodeAgent) {
      return new Settings(
          serverSideApply,
          namespaces,
          leaseNamespace,
          clock,
          hasher,
          metrics,
          meters,
          operatorImage,
          nodeAgent);
    }
  }

  public static final String LEASE_NAME = "registry-operator-lease";

  private RegistryOperator() {}

  public static Operator create(KubernetesClient client, Settings settings) {
    Operator operator =
        new Operator(
            overrider -> {
              overrider
                  .withKubernetesClient(client)
                  .withCloseClientOnStop(false)
                  .withMetrics(settings.metrics())
                  .withUseSSAToPatchPrimaryResource(settings.serverSideApply())
                  .withSSABasedCreateUpdateMatchForDependentResources(settings.serverSideApply())
                  // Lets JOSDK compare resource versions, so that an informer event older than a
                  // write the operator cached (its own status patch, say) does not replace that
                  // write in the cache. Resource versions are etcd revisions, numbers, on every
                  // API server we run on; one that does not parse falls back to JOSDK's default.
                  .withParseResourceVersions(true);
              if (settings.leaseNamespace() != null) {
                overrider.withLeaderElectionConfiguration(
                    leaderElection(
                        settings.leaseNamespace(),
                        () -> keepNodeAgent(client, settings.nodeAgent())));
              }
            });
    if (settings.leaseNamespace() == null) {
      keepNodeAgent(client, settings.nodeAgent());
    }
    EventRecorder events = new EventRecorder(client, settings.clock());
    Consumer<ControllerConfigurationOverrider<?>> common =
        configuration -> {
          configuration.withRetry(clusterErrorRetry());
          if (!settings.namespaces().isEmpty()) {
            configuration.settingNamespaces(settings.namespaces());
          }
          trimPrimaryCache(configuration, settings.namespaces().isEmpty());
        };
    operator.register(
        new PrivateRegistryReconciler(
            settings.clock(),
            events,
            settings.meters(),
            settings.operatorImage(),
            settings.nodeAgent() != null && settings.nodeAgent().enabled()
                ? settings.nodeAgent().namespace()
                : null),
        common::accept);
    operator.register(
        new RegistryUserReconciler(settings.clock(), events, settings.hasher(), settings.meters()),
        common::accept);
    return operator;
  }

  /**
   * The controller's own resources are cached without managedFields (see {@link TrimmedItemStore}):
   * their status is patched from a fresh object.
   */
  private static <R extends HasMetadata> void trimPrimaryCache(
      ControllerConfigurationOverrider<R> configuration, boolean allNamespaces) {
    TrimmedItemStore<R> store = TrimmedItemStore.ifAllNamespaces(allNamespaces);
    if (store != null) {
      configuration.withItemStore(store);
    }
  }

  /**
   * The node agent's DaemonSet is the leader's to keep, like everything else the operator writes.
   * Without --node-agent one left by an earlier run is removed.
   */
  private static void keepNodeAgent(KubernetesClient client, NodeAgentSettings nodeAgent) {
    if (nodeAgent == null) {
      return;
    }
    if (nodeAgent.enabled()) {
      NodeAgentKeeper.start(client, nodeAgent);
    } else {
      NodeAgentKeeper.removeIfPresent(client, nodeAgent.namespace());
    }
  }

  /**
   * Leader election whose lost-lease exit does not deadlock on SIGTERM: JOSDK 5.2 calls System.exit
   * on the thread that stops leading, and on SIGTERM that is the shutdown hook's own, where
   * System.exit blocks forever (every rollout then waits out the grace period). The exit runs on a
   * thread of its own instead; losing the lease still ends the process with status 1.
   */
  private static LeaderElectionConfiguration leaderElection(
      String leaseNamespace, Runnable onStartLeading) {
    return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(LEASE_NAME)
        .withLeaseNamespace(leaseNamespace)
        .withExitOnStopLeading(false)
        .withLeaderCallbacks(
            new LeaderCallbacks(
                onStartLeading,
                () -> new Thread(() -> System.exit(1), "lost-leadership-exit").start(),
                leader -> {}))
        .build();
  }

  /**
   * Cluster errors are retried for as long as they last, backing off from 1 second to one attempt
   * per 5 minutes. JOSDK's default gives up after 5 attempts, after which a resource would stay
   * broken until some unrelated event.
   */
  private static GenericRetry clusterErrorRetry() {
    return new GenericRetry()
        .withoutMaxAttempts()
        .setInitialInterval(Duration.ofSeconds(1))
        .setIntervalMultiplier(2)
        .setMaxInterval(Duration.ofMinutes(5).toMillis());
  }
}
