package dev.registryoperator.registry.model;

import dev.registryoperator.api.v1alpha1.IngressSpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.OwnedMetadata;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLSBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The optional Ingress. Annotations are for ingress-nginx, the most common controller. */
public final class RegistryIngress {

  private RegistryIngress() {}

  public static Ingress render(PrivateRegistry registry) {
    IngressSpec ingress = registry.getSpec().ingress;
    RegistryNames names = RegistryNames.of(registry);
    ObjectMeta metadata =
        OwnedMetadata.owned(registry, names.registry(), names.ingress(), Components.REGISTRY);
    metadata.setAnnotations(annotations(registry));
    return new IngressBuilder()
        .withMetadata(metadata)
        .withNewSpec()
        .withIngressClassName(ingress.className)
        .withTls(
            ingress.tlsSecretName == null
                ? List.of()
                : List.of(
                    new IngressTLSBuilder()
                        .withHosts(ingress.host)
                        .withSecretName(ingress.tlsSecretName)
                        .build()))
        .addNewRule()
        .withHost(ingress.host)
        .withNewHttp()
        .addNewPath()
        .withPath("/")
        .withPathType("Prefix")
        .withNewBackend()
        .withNewService()
        .withName(names.service())
        .withNewPort()
        .withNumber(registry.getSpec().proxy.port)
        .endPort()
        .endService()
        .endBackend()
        .endPath()
        .endHttp()
        .endRule()
        .endSpec()
        .build();
  }

  public static String externalUrl(PrivateRegistry registry) {
    return "https://" + registry.getSpec().ingress.host;
  }

  private static Map<String, String> annotations(PrivateRegistry registry) {
    String timeout = Integer.toString(registry.getSpec().proxy.readTimeoutSeconds);
    Map<String, String> annotations = new TreeMap<>();
    // Layers are large and slow: no body limit, no buffering, long timeouts.
    annotations.put(
        "nginx.ingress.kubernetes.io/proxy-body-size", registry.getSpec().proxy.maxBodySize);
    annotations.put("nginx.ingress.kubernetes.io/proxy-request-buffering", "off");
    annotations.put("nginx.ingress.kubernetes.io/proxy-read-timeout", timeout);
    annotations.put("nginx.ingress.kubernetes.io/proxy-send-timeout", timeout);
    // The proxy only speaks TLS.
    annotations.put("nginx.ingress.kubernetes.io/backend-protocol", "HTTPS");
    Map<String, String> extra = registry.getSpec().ingress.annotations;
    if (extra != null) {
      annotations.putAll(extra);
    }
    return annotations;
  }
}
