package dev.registryoperator.registry.model;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.Hashes;
import dev.registryoperator.kube.OwnedMetadata;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.Map;
import java.util.TreeMap;

/** The ConfigMap with the registry's config.yml and the proxy's nginx.conf. */
public final class RegistryConfigMap {

  private RegistryConfigMap() {}

  public static ConfigMap render(PrivateRegistry registry) {
    return render(registry, DataMode.READ_WRITE);
  }

  public static ConfigMap render(PrivateRegistry registry, DataMode mode) {
    RegistryNames names = RegistryNames.of(registry);
    return new ConfigMapBuilder()
        .withMetadata(
            OwnedMetadata.owned(registry, names.registry(), names.configMap(), Components.REGISTRY))
        .withData(data(registry, mode))
        .build();
  }

  /** Changes exactly when the files change; the Deployment carries it to roll its pod. */
  public static String contentHash(PrivateRegistry registry, DataMode mode) {
    Map<String, String> data = data(registry, mode);
    return Hashes.shortSha256(data.values().toArray(String[]::new));
  }

  private static Map<String, String> data(PrivateRegistry registry, DataMode mode) {
    Map<String, String> data = new TreeMap<>();
    data.put(Keys.NGINX_CONFIG, NginxConfig.render(registry.getSpec(), PodPaths.IN_POD));
    data.put(Keys.REGISTRY_CONFIG, RegistryConfig.render(registry, PodPaths.IN_POD, mode));
    return data;
  }
}
