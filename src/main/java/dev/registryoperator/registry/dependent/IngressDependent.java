package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.RegistryIngress;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class IngressDependent extends RegistryChildDependent<Ingress> {

  public IngressDependent() {
    super(Ingress.class);
  }

  @Override
  String childName(RegistryNames names) {
    return names.ingress();
  }

  @Override
  protected Ingress desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    return RegistryIngress.render(registry);
  }

  /** Reconcile precondition: the user asked for an Ingress. Without one, an existing one goes. */
  public static class IngressRequested implements Condition<Ingress, PrivateRegistry> {
    @Override
    public boolean isMet(
        DependentResource<Ingress, PrivateRegistry> dependent,
        PrivateRegistry registry,
        Context<PrivateRegistry> context) {
      return registry.getSpec().ingress != null;
    }
  }
}
