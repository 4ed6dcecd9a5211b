package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.RegistryService;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * Created without the "only if it does not exist" resourceVersion trick: API servers up to 1.22
 * answer 500 to a server-side apply create of a Service that carries a resourceVersion. Needed for
 * 1.20, harmless on 1.36 (the integration tier runs on both).
 */
@KubernetesDependent(
    createResourceOnlyIfNotExistingWithSSA = false,
    informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class ServiceDependent extends RegistryChildDependent<Service> {

  public ServiceDependent() {
    super(Service.class);
  }

  @Override
  String childName(RegistryNames names) {
    return names.service();
  }

  @Override
  protected Service desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    return RegistryService.render(registry);
  }
}
