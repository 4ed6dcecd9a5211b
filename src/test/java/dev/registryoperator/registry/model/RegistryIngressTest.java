package dev.registryoperator.registry.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.IngressSpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistrySpec;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RegistryIngressTest {

  private static final String HOST = "registry.example.com";

  @Test
  void routesTheHostToTheRegistrysService() {
    Ingress ingress = RegistryIngress.render(withIngress(spec -> {}));

    assertThat(ingress.getMetadata().getName()).isEqualTo("demo");
    assertThat(ingress.getSpec().getRules())
        .singleElement()
        .satisfies(rule -> assertThat(rule.getHost()).isEqualTo(HOST));
    HTTPIngressPath path = ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0);
    assertThat(path.getPath()).isEqualTo("/");
    assertThat(path.getPathType()).isEqualTo("Prefix");
    assertThat(path.getBackend().getService().getName()).isEqualTo("demo");
    assertThat(path.getBackend().getService().getPort().getNumber()).isEqualTo(15000);
  }

  @Test
  void backendPortFollowsTheProxyPort() {
    PrivateRegistry registry = withIngress(spec -> {}, spec -> spec.proxy.port = 8443);
    Ingress ingress = RegistryIngress.render(registry);

    assertThat(
            ingress
                .getSpec()
                .getRules()
                .get(0)
                .getHttp()
                .getPaths()
                .get(0)
                .getBackend()
                .getService()
                .getPort()
                .getNumber())
        .isEqualTo(RegistryService.render(registry).getSpec().getPorts().get(0).getPort())
        .isEqualTo(8443);
  }

  @Test
  void ingressClassComesFromTheSpec() {
    assertThat(
            RegistryIngress.render(withIngress(spec -> spec.className = "nginx"))
                .getSpec()
                .getIngressClassName())
        .isEqualTo("nginx");
  }

  @Test
  void withoutAClassTheClustersDefaultClassIsUsed() {
    assertThat(RegistryIngress.render(withIngress(spec -> {})).getSpec().getIngressClassName())
        .isNull();
  }

  @Test
  void tlsUsesTheNamedSecretForTheHost() {
    Ingress ingress =
        RegistryIngress.render(withIngress(spec -> spec.tlsSecretName = "registry-example-tls"));

    assertThat(ingress.getSpec().getTls())
        .singleElement()
        .satisfies(
            tls -> {
              assertThat(tls.getHosts()).containsExactly(HOST);
              assertThat(tls.getSecretName()).isEqualTo("registry-example-tls");
            });
  }

  @Test
  void withoutATlsSecretThereIsNoTlsSection() {
    assertThat(RegistryIngress.render(withIngress(spec -> {})).getSpec().getTls()).isNullOrEmpty();
  }

  @Test
  void defaultAnnotationsSuitLargeSlowUploadsToAnHttpsBackend() {
    Map<String, String> annotations =
        RegistryIngress.render(withIngress(spec -> {})).getMetadata().getAnnotations();

    assertThat(annotations)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "nginx.ingress.kubernetes.io/proxy-body-size", "0",
                "nginx.ingress.kubernetes.io/proxy-request-buffering", "off",
                "nginx.ingress.kubernetes.io/proxy-read-timeout", "600",
                "nginx.ingress.kubernetes.io/proxy-send-timeout", "600",
                "nginx.ingress.kubernetes.io/backend-protocol", "HTTPS"));
  }

  @Test
  void defaultAnnotationsFollowTheProxySettings() {
    PrivateRegistry registry =
        withIngress(
            ingress -> {},
            spec -> {
              spec.proxy.maxBodySize = "2g";
              spec.proxy.readTimeoutSeconds = 1800;
            });

    assertThat(RegistryIngress.render(registry).getMetadata().getAnnotations())
        .containsEntry("nginx.ingress.kubernetes.io/proxy-body-size", "2g")
        .containsEntry("nginx.ingress.kubernetes.io/proxy-read-timeout", "1800")
        .containsEntry("nginx.ingress.kubernetes.io/proxy-send-timeout", "1800");
  }

  @Test
  void usersAnnotationsOverrideOursAndAddTheirOwn() {
    Ingress ingress =
        RegistryIngress.render(
            withIngress(
                spec ->
                    spec.annotations =
                        Map.of(
                            "nginx.ingress.kubernetes.io/proxy-body-size", "1g",
                            "cert-manager.io/cluster-issuer", "letsencrypt")));

    assertThat(ingress.getMetadata().getAnnotations())
        .containsEntry("nginx.ingress.kubernetes.io/proxy-body-size", "1g")
        .containsEntry("cert-manager.io/cluster-issuer", "letsencrypt")
        .containsEntry("nginx.ingress.kubernetes.io/backend-protocol", "HTTPS");
  }

  @Test
  void annotationsOfTheRegistryItselfAreNotCopied() {
    // Only spec.ingress.annotations are meant for the Ingress; the CR's own are Argo CD's and
    // kubectl's.
    PrivateRegistry registry = withIngress(spec -> {});
    registry.getMetadata().setAnnotations(Map.of("argocd.argoproj.io/sync-wave", "1"));
    registry.getMetadata().setLabels(Map.of("app.kubernetes.io/instance", "my-app"));
    Ingress ingress = RegistryIngress.render(registry);

    assertThat(ingress.getMetadata().getAnnotations())
        .doesNotContainKey("argocd.argoproj.io/sync-wave");
    assertThat(ingress.getMetadata().getLabels()).doesNotContainKey("app.kubernetes.io/instance");
  }

  @Test
  void isControlledByTheRegistry() {
    assertThat(RegistryIngress.render(withIngress(spec -> {})).getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getUid()).isEqualTo(Fixtures.UID);
              assertThat(owner.getController()).isTrue();
            });
  }

  @Test
  void externalUrlIsTheHostOverHttps() {
    assertThat(RegistryIngress.externalUrl(withIngress(spec -> {})))
        .isEqualTo("https://registry.example.com");
  }

  private static PrivateRegistry withIngress(Consumer<IngressSpec> customize) {
    return withIngress(customize, spec -> {});
  }

  private static PrivateRegistry withIngress(
      Consumer<IngressSpec> customizeIngress, Consumer<PrivateRegistrySpec> customizeSpec) {
    return Fixtures.registry(
        spec -> {
          spec.ingress = new IngressSpec();
          spec.ingress.host = HOST;
          customizeIngress.accept(spec.ingress);
          customizeSpec.accept(spec);
        });
  }
}
