package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.RegistryService;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The Service Prometheus scrapes the registry through; created like the main Service. */
@KubernetesDependent(
    createResourceOnlyIfNotExistingWithSSA = false,
    informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class MetricsServiceDependent extends RegistryChildDependent<Service> {

  public MetricsServiceDependent() {
    super(Service.class);
  }

  @Override
  String childName(RegistryNames names) {
    return names.metricsService();
  }

  @Override
  protected Service desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    return RegistryService.renderMetrics(registry);
  }
}
