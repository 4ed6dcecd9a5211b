package dev.registryoperator;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.EventRecorder;
import dev.registryoperator.registry.PrivateRegistryReconciler;
import dev.registryoperator.registry.RegistryUsers;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.Clock;
import java.util.Set;

/** Assembles the operator: one place where reconcilers get their collaborators. */
public final class RegistryOperator {

  /**
   * @param serverSideApply true in production. Only tests on the fabric8 mock server turn it off,
   *     because the mock cannot do server-side apply.
   * @param namespaces namespaces to watch; empty for all
   * @param leaseNamespace namespace of the leader-election lease, or null to run without leader
   *     election
   */
  public record Settings(
      boolean serverSideApply, Set<String> namespaces, String leaseNamespace, Clock clock) {

    public static Settings production(Set<String> namespaces, String leaseNamespace) {
      return new Settings(true, namespaces, leaseNamespace, Clock.systemUTC());
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
                  .withUseSSAToPatchPrimaryResource(settings.serverSideApply())
                  .withSSABasedCreateUpdateMatchForDependentResources(settings.serverSideApply());
              if (settings.leaseNamespace() != null) {
                overrider.withLeaderElectionConfiguration(
                    new LeaderElectionConfiguration(LEASE_NAME, settings.leaseNamespace()));
              }
            });
    EventRecorder events = new EventRecorder(client, settings.clock());
    RegistryUsers users = NoUsersYet.INSTANCE;
    operator.register(
        new PrivateRegistryReconciler(settings.clock(), events, users),
        configuration -> {
          if (!settings.namespaces().isEmpty()) {
            configuration.settingNamespaces(settings.namespaces());
          }
        });
    return operator;
  }

  /** Until RegistryUsers are reconciled, every registry has an empty htpasswd file. */
  private enum NoUsersYet implements RegistryUsers {
    INSTANCE;

    @Override
    public String htpasswd(PrivateRegistry registry) {
      return "";
    }

    @Override
    public int readyCount(PrivateRegistry registry) {
      return 0;
    }
  }
}
