package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.NetworkPolicySpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.RegistryNetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class NetworkPolicyDependent extends RegistryChildDependent<NetworkPolicy> {

  public NetworkPolicyDependent() {
    super(NetworkPolicy.class);
  }

  @Override
  String childName(RegistryNames names) {
    return names.networkPolicy();
  }

  @Override
  protected NetworkPolicy desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    return RegistryNetworkPolicy.render(registry);
  }

  /**
   * Reconcile precondition: the user asked for a NetworkPolicy and did not switch it off. Without
   * one, an existing one goes.
   */
  public static class NetworkPolicyRequested implements Condition<NetworkPolicy, PrivateRegistry> {
    @Override
    public boolean isMet(
        DependentResource<NetworkPolicy, PrivateRegistry> dependent,
        PrivateRegistry registry,
        Context<PrivateRegistry> context) {
      NetworkPolicySpec policy = registry.getSpec().networkPolicy;
      return policy != null && policy.enabled;
    }
  }
}
