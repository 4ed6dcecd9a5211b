package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.RegistryConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.reconciler.Context;

public class ConfigMapDependent extends RegistryChildDependent<ConfigMap> {

  public ConfigMapDependent() {
    super(ConfigMap.class);
  }

  @Override
  String childName(RegistryNames names) {
    return names.configMap();
  }

  @Override
  protected ConfigMap desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    return RegistryConfigMap.render(registry, RegistryInputs.of(context).mode());
  }
}
