package dev.registryoperator.registry.model;

import static dev.registryoperator.testing.Fixtures.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.IngressSpec;
import dev.registryoperator.api.v1alpha1.NetworkPolicySpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.tls.CertificateAuthority;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Properties every object the operator renders for a registry must have. */
class RenderedChildrenTest {

  private static final String HTPASSWD =
      "alice:$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy\n";
  private static final String HTTP_SECRET = "Zm9vYmFyYmF6cXV4";

  private static CertificateAuthority ca;
  private static Secret caSecret;
  private static Secret existingServingSecret;

  @BeforeAll
  static void createCa() {
    ca = CertificateAuthority.generate("demo.team-a", CLOCK);
    caSecret = TlsMaterial.caSecret(registryAsArgoCdDeploysIt(), ca);
    existingServingSecret =
        TlsMaterial.servingCertificate(registryAsArgoCdDeploysIt(), null, caSecret, CLOCK).secret();
  }

  /**
   * Labels and annotations Argo CD and kubectl put on the CR. Children carrying Argo CD's tracking
   * label or annotation are claimed by the application and pruned: none of these may be copied.
   */
  private static PrivateRegistry registryAsArgoCdDeploysIt() {
    PrivateRegistry registry =
        Fixtures.registry(
            spec -> {
              spec.ingress = new IngressSpec();
              spec.ingress.host = "registry.example.com";
              spec.ingress.annotations = Map.of("cert-manager.io/cluster-issuer", "letsencrypt");
              spec.storage.deleteClaim = true;
              spec.networkPolicy = new NetworkPolicySpec();
              spec.networkPolicy.from =
                  List.of(RegistryNetworkPolicyTest.podsLabelled("app", "ci"));
              spec.networkPolicy.metricsFrom =
                  List.of(RegistryNetworkPolicyTest.namespacesLabelled("name", "monitoring"));
            });
    registry
        .getMetadata()
        .setLabels(
            Map.of(
                "app.kubernetes.io/instance", "argo-app-x",
                "argocd.argoproj.io/instance", "argo-app-x",
                "app.kubernetes.io/part-of", "platform-x",
                "team", "team-x"));
    registry
        .getMetadata()
        .setAnnotations(
            Map.of(
                "argocd.argoproj.io/tracking-id",
                    "argo-app-x:registryoperator.dev/PrivateRegistry:team-a/demo",
                "argocd.argoproj.io/sync-wave", "5",
                "argocd.argoproj.io/compare-options", "IgnoreExtraneous",
                "kubectl.kubernetes.io/last-applied-configuration", "{\"marker\":\"kubectl-x\"}"));
    return registry;
  }

  /** Everything the operator renders for one registry, from the same inputs. */
  private static List<HasMetadata> renderAll(PrivateRegistry registry) {
    Secret serving =
        TlsMaterial.servingCertificate(registry, existingServingSecret, caSecret, CLOCK).secret();
    List<HasMetadata> children = new ArrayList<>();
    children.add(RegistryConfigMap.render(registry));
    children.add(
        RegistryDeployment.render(
            registry, TlsMaterial.hash(serving), "0123456789abcdef", Fixtures.OPERATOR_IMAGE));
    children.add(RegistryService.render(registry));
    children.add(RegistryIngress.render(registry));
    children.add(RegistryNetworkPolicy.render(registry));
    children.add(RegistryClaim.render(registry));
    children.add(AuthSecrets.htpasswd(registry, Fixtures.authFiles(HTPASSWD)));
    children.add(AuthSecrets.httpSecret(registry, HTTP_SECRET));
    children.add(TlsMaterial.caSecret(registry, ca));
    children.add(serving);
    children.add(TlsMaterial.caBundle(registry, ca.keyAndCertificate().certificatePem()));
    return children;
  }

  @Test
  void everyChildHasADistinctNameInTheRegistrysNamespace() {
    List<HasMetadata> children = renderAll(registryAsArgoCdDeploysIt());

    assertThat(children)
        .allSatisfy(child -> assertThat(child.getMetadata().getNamespace()).isEqualTo("team-a"));
    assertThat(children)
        .extracting(child -> child.getKind() + "/" + child.getMetadata().getName())
        .doesNotHaveDuplicates()
        .contains(
            "ConfigMap/demo-config",
            "Secret/demo-ca",
            "Secret/demo-tls",
            "ConfigMap/demo-ca-bundle",
            "NetworkPolicy/demo");
  }

  @Test
  void everyChildIsControlledByTheRegistry() {
    // deleteClaim is true in this fixture, so the claim is owned as well.
    assertThat(renderAll(registryAsArgoCdDeploysIt()))
        .allSatisfy(
            child ->
                assertThat(child.getMetadata().getOwnerReferences())
                    .as(child.getKind())
                    .singleElement()
                    .satisfies(
                        owner -> {
                          assertThat(owner.getUid()).isEqualTo(Fixtures.UID);
                          assertThat(owner.getKind()).isEqualTo("PrivateRegistry");
                          assertThat(owner.getController()).isTrue();
                        }));
  }

  @Test
  void everyChildCarriesExactlyOurLabels() {
    Set<String> ours = Set.of(Labels.NAME, Labels.COMPONENT, Labels.MANAGED_BY, Labels.REGISTRY);

    assertThat(renderAll(registryAsArgoCdDeploysIt()))
        .allSatisfy(
            child -> {
              Map<String, String> labels = child.getMetadata().getLabels();
              assertThat(labels.keySet()).as(child.getKind()).isEqualTo(ours);
              assertThat(labels)
                  .as(child.getKind())
                  .containsEntry(Labels.MANAGED_BY, "registry-operator")
                  .containsEntry(Labels.REGISTRY, "demo")
                  .containsEntry(Labels.NAME, "private-registry");
            });
  }

  @Test
  void noLabelOrAnnotationOfTheRegistryReachesAnyChild() {
    PrivateRegistry registry = registryAsArgoCdDeploysIt();

    // Serialized, so that nested metadata (the pod template) is covered too.
    assertThat(renderAll(registry))
        .allSatisfy(
            child ->
                assertThat(Serialization.asJson(child))
                    .as(child.getKind())
                    .doesNotContain("argocd.argoproj.io")
                    .doesNotContain("app.kubernetes.io/instance")
                    .doesNotContain("app.kubernetes.io/part-of")
                    .doesNotContain("argo-app-x")
                    .doesNotContain("team-x")
                    .doesNotContain("kubectl-x"));
  }

  @Test
  void onlyTheIngressCarriesAnnotations() {
    // The pod template's hash annotations are not on the Deployment's own metadata.
    assertThat(renderAll(registryAsArgoCdDeploysIt()))
        .filteredOn(child -> !(child instanceof Ingress))
        .allSatisfy(
            child ->
                assertThat(child.getMetadata().getAnnotations())
                    .as(child.getKind())
                    .isNullOrEmpty());
  }

  @Test
  void renderingTwiceFromTheSameInputGivesEqualObjects() {
    List<HasMetadata> first = renderAll(registryAsArgoCdDeploysIt());
    List<HasMetadata> second = renderAll(registryAsArgoCdDeploysIt());

    assertThat(second).isEqualTo(first);
  }

  @Test
  void renderingTwiceFromTheSameInputGivesByteIdenticalJson() {
    // What the API server sees: map order and number formats count, not just equals().
    List<String> first =
        renderAll(registryAsArgoCdDeploysIt()).stream().map(Serialization::asJson).toList();
    List<String> second =
        renderAll(registryAsArgoCdDeploysIt()).stream().map(Serialization::asJson).toList();

    assertThat(second).isEqualTo(first);
  }

  @Test
  void renderingDoesNotModifyTheRegistry() {
    PrivateRegistry registry = registryAsArgoCdDeploysIt();
    String before = Serialization.asJson(registry);

    renderAll(registry);

    assertThat(Serialization.asJson(registry)).isEqualTo(before);
  }

  @Test
  void onlyTheCaSecretHoldsTheCaKey() {
    String keyPem = ca.keyAndCertificate().keyPem();
    String keyPemBase64 =
        Base64.getEncoder().encodeToString(keyPem.getBytes(StandardCharsets.UTF_8));
    String keyLine = keyPem.lines().skip(1).findFirst().orElseThrow();

    assertThat(renderAll(registryAsArgoCdDeploysIt()))
        .filteredOn(child -> !child.getMetadata().getName().equals("demo-ca"))
        .allSatisfy(
            child ->
                assertThat(Serialization.asJson(child) + child)
                    .as(child.getKind() + "/" + child.getMetadata().getName())
                    .doesNotContain(keyPemBase64)
                    .doesNotContain(keyLine));
  }

  @Test
  void configMapHoldsBothConfigFilesAsRenderedForThePod() {
    PrivateRegistry registry = registryAsArgoCdDeploysIt();
    ConfigMap configMap = RegistryConfigMap.render(registry);

    assertThat(configMap.getData())
        .containsOnlyKeys(Keys.NGINX_CONFIG, Keys.REGISTRY_CONFIG)
        .containsEntry(Keys.NGINX_CONFIG, NginxConfig.render(registry.getSpec(), PodPaths.IN_POD))
        .containsEntry(
            Keys.REGISTRY_CONFIG, RegistryConfig.render(Fixtures.registry(), PodPaths.IN_POD));
  }

  @Test
  void configMapHoldsNoSecrets() {
    // A ConfigMap is readable by far more people than a Secret.
    ConfigMap configMap = RegistryConfigMap.render(registryAsArgoCdDeploysIt());

    assertThat(configMap.getData().values())
        .allSatisfy(
            file ->
                assertThat(file)
                    .doesNotContain(HTTP_SECRET)
                    .doesNotContain("$2a$")
                    .doesNotContain("PRIVATE KEY"));
  }
}
