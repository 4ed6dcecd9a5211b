package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.registry.model.GarbageCollectionJob;
import dev.registryoperator.registry.model.RegistryDeployment;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pods the operator and its registries run in, as PodSecurity admission judges them in a
 * namespace labelled {@code pod-security.kubernetes.io/enforce=restricted}
 * (deploy/operator/namespace.yaml sets that label). There is no controller-manager to turn a
 * Deployment into pods, so each test creates a Pod from the pod template directly: admission judges
 * the Pod, not the Deployment.
 *
 * <p>PodSecurity admission exists from 1.23 (GA in 1.25). 1.20 ignores the label and admits every
 * pod; the tests say so where their expectation differs.
 */
class PodSecurityIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final AtomicInteger NAMES = new AtomicInteger();
  private static String restricted;

  @BeforeAll
  static void restrictedNamespace() {
    restricted = "restricted-" + NAMES.incrementAndGet();
    API.client()
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(restricted)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                .addToLabels("pod-security.kubernetes.io/enforce-version", "latest")
                .endMetadata()
                .build())
        .create();
  }

  @Test
  void theOperatorsOwnPodIsAdmitted() throws IOException {
    Pod created = createPod("operator", operatorPodTemplate());

    assertThat(created.getMetadata().getUid()).isNotNull();
  }

  /** The check can fail: the operator's pod without its container securityContext is refused. */
  @Test
  void aPodWithoutTheRestrictedSettingsIsRefusedWhereTheServerEnforcesPodSecurity()
      throws IOException {
    PodTemplateSpec careless = operatorPodTemplate();
    careless.getSpec().getContainers().forEach(container -> container.setSecurityContext(null));

    if (API.version().atLeast(1, 25)) {
      assertThatThrownBy(() -> createPod("careless", careless))
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> {
                assertThat(e.getCode()).isEqualTo(403);
                assertThat(e.getMessage())
                    .contains("violates PodSecurity \"restricted:latest\"")
                    .contains("allowPrivilegeEscalation != false");
              });
    } else {
      // 1.20 has no PodSecurity admission: the namespace label means nothing to it.
      assertThat(createPod("careless", careless).getMetadata().getUid()).isNotNull();
    }
  }

  /**
   * Registries as users write them (defaults from the CRD schema, read back from the server) and
   * with every option that changes the pod, rendered the way the operator renders them.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "spec: {}",
        "spec: {ingress: {host: registry.example.test}, service: {type: NodePort}}",
        "spec: {auth: {mode: Token, anonymousPull: [\"public/*\"]}}",
        "spec: {storage: {existingClaim: shared-data, accessModes: [ReadWriteMany]},"
            + " tls: {secretName: issued-by-cert-manager},"
            + " resources: {registry: {requests: {cpu: 200m, memory: 256Mi},"
            + " limits: {memory: 1Gi}}}}"
      })
  void everyRegistryPodTheOperatorRendersIsAdmitted(String specYaml) {
    PrivateRegistry registry = createRegistry(specYaml);
    Deployment rendered =
        RegistryDeployment.render(
            registry, "0123456789abcdef", "fedcba987654", Fixtures.OPERATOR_IMAGE);

    Pod created = createPod("registry", rendered.getSpec().getTemplate());

    assertThat(created.getMetadata().getUid()).isNotNull();
  }

  /** The garbage collector's pod, as its Job's template renders it, next to the registry's. */
  @Test
  void theGarbageCollectorsPodIsAdmitted() {
    PrivateRegistry registry = createRegistry("spec: {}");

    Pod created =
        createPod("collector", GarbageCollectionJob.render(registry).getSpec().getTemplate());

    assertThat(created.getMetadata().getUid()).isNotNull();
  }

  private static PodTemplateSpec operatorPodTemplate() throws IOException {
    try (InputStream in = Files.newInputStream(Path.of("deploy/operator/deployment.yaml"))) {
      return API.client().apps().deployments().load(in).item().getSpec().getTemplate();
    }
  }

  private static PrivateRegistry createRegistry(String specYaml) {
    GenericKubernetesResource registry =
        API.client()
            .getKubernetesSerialization()
            .unmarshal(
                """
                apiVersion: registryoperator.dev/v1alpha1
                kind: PrivateRegistry
                metadata:
                  name: registry-%d
                """
                        .formatted(NAMES.incrementAndGet())
                    + specYaml,
                GenericKubernetesResource.class);
    registry.getMetadata().setNamespace(restricted);
    GenericKubernetesResource created = API.client().resource(registry).create();
    return API.client().getKubernetesSerialization().convertValue(created, PrivateRegistry.class);
  }

  private static Pod createPod(String prefix, PodTemplateSpec template) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(prefix + "-" + NAMES.incrementAndGet())
            .withNamespace(restricted)
            .withLabels(template.getMetadata().getLabels())
            .withAnnotations(template.getMetadata().getAnnotations())
            .endMetadata()
            .withSpec(template.getSpec())
            .build();
    return API.client().pods().resource(pod).create();
  }
}
