package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.prometheus.ServiceMonitor;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.RegistryServiceMonitor;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * The registry's ServiceMonitor. Its activation condition (the Prometheus Operator's CRD exists)
 * keeps it, and its watch, out of clusters without a Prometheus Operator.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class ServiceMonitorDependent extends RegistryChildDependent<ServiceMonitor> {

  public ServiceMonitorDependent() {
    super(ServiceMonitor.class);
  }

  @Override
  String childName(RegistryNames names) {
    return names.serviceMonitor();
  }

  @Override
  protected ServiceMonitor desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    return RegistryServiceMonitor.render(registry);
  }
}
