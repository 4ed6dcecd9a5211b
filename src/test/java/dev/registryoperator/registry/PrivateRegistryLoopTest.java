package dev.registryoperator.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.RegistryOperator;
import dev.registryoperator.api.v1alpha1.IngressSpec;
import dev.registryoperator.api.v1alpha1.NetworkPolicySpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.ServiceSpec.ServiceType;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.status.Conditions;
import dev.registryoperator.testing.MockServerOperators;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.KeyAndCertificate;
import dev.registryoperator.tls.Pem;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real Operator, reconcile loop and all, on the fabric8 mock server: the fast inner loop. The
 * mock cannot do server-side apply, so SSA is off here (and only here); the integration tier runs
 * the production configuration against a real API server.
 */
@EnableKubernetesMockClient(crud = true)
class PrivateRegistryLoopTest {

  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  static KubernetesClient client;

  private Operator operator;

  /** The mock server lives for the whole class: each test works in a namespace of its own. */
  private static String NAMESPACE;

  @BeforeEach
  void startOperator() {
    NAMESPACE = "team-" + NAMESPACES.incrementAndGet();
    operator = startedOperator();
  }

  @AfterEach
  void stopOperator() {
    operator.stop();
  }

  @Test
  void createsEveryChildAndReportsStatusWithObservedGeneration() {
    create(registry("demo"));
    RegistryNames names = RegistryNames.of("demo");

    awaitPresent(Deployment.class, names.deployment());
    awaitPresent(Service.class, names.service());
    awaitPresent(PersistentVolumeClaim.class, names.claim());
    for (String secret :
        new String[] {
          names.caSecret(), names.tlsSecret(), names.htpasswdSecret(), names.httpSecret()
        }) {
      awaitPresent(Secret.class, secret);
    }
    awaitPresent(ConfigMap.class, names.configMap());
    awaitPresent(ConfigMap.class, names.caBundleConfigMap());

    PrivateRegistry notYetAvailable =
        awaitStatus("demo", r -> r.getStatus().observedGeneration != null);
    assertThat(notYetAvailable.getStatus().observedGeneration)
        .isEqualTo(notYetAvailable.getMetadata().getGeneration());
    assertThat(notYetAvailable.getStatus().url)
        .isEqualTo("https://demo." + NAMESPACE + ".svc:15000");
    assertThat(notYetAvailable.getStatus().caBundleConfigMap).isEqualTo(names.caBundleConfigMap());
    assertThat(notYetAvailable.getStatus().certificateExpiry).isNotBlank();
    assertThat(readyReason(notYetAvailable)).isEqualTo("DeploymentUnavailable");

    markAvailable(names.deployment());
    PrivateRegistry ready =
        awaitStatus("demo", r -> Conditions.isTrue(r.getStatus().conditions, "Ready"));
    assertThat(readyReason(ready)).isEqualTo("Available");
    assertThat(client.v1().events().inNamespace(NAMESPACE).list().getItems())
        .extracting(e -> e.getReason())
        .contains("Created", "CertificateIssued");
  }

  @Test
  void specChangeReachesTheChildrenAndRollsThePod() {
    create(registry("demo"));
    RegistryNames names = RegistryNames.of("demo");
    Deployment before = awaitPresent(Deployment.class, names.deployment());
    String hashBefore = podAnnotation(before, Keys.CONFIG_HASH_ANNOTATION);

    edit(
        "demo",
        r -> {
          r.getSpec().proxy.readTimeoutSeconds = 900;
          r.getSpec().ingress = new IngressSpec();
          r.getSpec().ingress.host = "registry.example.test";
          return r;
        });

    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                get(ConfigMap.class, names.configMap())
                    .getData()
                    .get(Keys.NGINX_CONFIG)
                    .contains("proxy_read_timeout 900s;"));
    Ingress ingress = awaitPresent(Ingress.class, names.ingress());
    assertThat(ingress.getSpec().getRules().get(0).getHost()).isEqualTo("registry.example.test");
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                !hashBefore.equals(
                    podAnnotation(
                        get(Deployment.class, names.deployment()), Keys.CONFIG_HASH_ANNOTATION)));
    PrivateRegistry updated = awaitStatus("demo", r -> r.getStatus().externalUrl != null);
    assertThat(updated.getStatus().externalUrl).isEqualTo("https://registry.example.test");
    assertThat(updated.getStatus().observedGeneration)
        .isEqualTo(updated.getMetadata().getGeneration());

    edit(
        "demo",
        r -> {
          r.getSpec().ingress = null;
          return r;
        });
    await().atMost(TIMEOUT).until(() -> get(Ingress.class, names.ingress()) == null);
  }

  @Test
  void deletedChildrenComeBack() {
    create(registry("demo"));
    RegistryNames names = RegistryNames.of("demo");
    String caBefore = awaitPresent(Secret.class, names.caSecret()).getData().get("tls.crt");
    awaitPresent(Secret.class, names.tlsSecret());

    deleteAndAwaitReturn(Deployment.class, names.deployment());
    deleteAndAwaitReturn(Service.class, names.service());
    deleteAndAwaitReturn(ConfigMap.class, names.configMap());
    deleteAndAwaitReturn(ConfigMap.class, names.caBundleConfigMap());
    deleteAndAwaitReturn(Secret.class, names.htpasswdSecret());
    deleteAndAwaitReturn(Secret.class, names.httpSecret());
    deleteAndAwaitReturn(Secret.class, names.tlsSecret());
    deleteAndAwaitReturn(PersistentVolumeClaim.class, names.claim());

    // A re-issued serving certificate comes from the same CA.
    assertThat(get(Secret.class, names.caSecret()).getData().get("tls.crt")).isEqualTo(caBefore);
    assertThat(get(Secret.class, names.tlsSecret()).getData().get("ca.crt")).isEqualTo(caBefore);
  }

  @Test
  void restartKeepsTheCaTheCertificateAndTheHttpSecretAndDoesNotRollThePod() {
    create(registry("demo"));
    RegistryNames names = RegistryNames.of("demo");
    awaitStatus("demo", r -> r.getStatus().observedGeneration != null);
    Map<String, String> ca = awaitPresent(Secret.class, names.caSecret()).getData();
    Map<String, String> serving = get(Secret.class, names.tlsSecret()).getData();
    Map<String, String> http = get(Secret.class, names.httpSecret()).getData();
    String deploymentVersion =
        get(Deployment.class, names.deployment()).getMetadata().getResourceVersion();

    operator.stop();
    operator = startedOperator();
    // A change only the new operator can bring, to a child the pod does not depend on: the
    // Deployment must come out of that reconcile unwritten.
    edit(
        "demo",
        r -> {
          r.getSpec().service.type = ServiceType.NodePort;
          return r;
        });
    await()
        .atMost(TIMEOUT)
        .until(() -> "NodePort".equals(get(Service.class, names.service()).getSpec().getType()));
    // The status is written after the whole workflow, the Deployment included.
    awaitStatus(
        "demo", r -> r.getMetadata().getGeneration().equals(r.getStatus().observedGeneration));

    assertThat(get(Secret.class, names.caSecret()).getData()).isEqualTo(ca);
    assertThat(get(Secret.class, names.tlsSecret()).getData()).isEqualTo(serving);
    assertThat(get(Secret.class, names.httpSecret()).getData()).isEqualTo(http);
    assertThat(get(Deployment.class, names.deployment()).getMetadata().getResourceVersion())
        .as("the Deployment is not rewritten, so the pod does not roll")
        .isEqualTo(deploymentVersion);
  }

  @Test
  void invalidInputEndsAsReadyFalseWithReasonAndEventAndTouchesNothing() {
    PrivateRegistry registry = registry("demo");
    registry.getSpec().service.type = ServiceType.ClusterIP;
    registry.getSpec().service.nodePort = 30500;
    create(registry);

    PrivateRegistry failed = awaitStatus("demo", r -> "InvalidSpec".equals(readyReason(r)));
    assertThat(Conditions.find(failed.getStatus().conditions, "Ready").orElseThrow().getMessage())
        .contains("spec.service.nodePort");
    assertThat(get(Deployment.class, "demo")).isNull();
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                    .anyMatch(
                        e -> "InvalidSpec".equals(e.getReason()) && "Warning".equals(e.getType())));
  }

  @Test
  void theClaimOutlivesTheRegistryUnlessDeleteClaimIsSet() {
    create(registry("keep"));
    PersistentVolumeClaim kept = awaitPresent(PersistentVolumeClaim.class, "keep-data");
    assertThat(kept.getMetadata().getOwnerReferences()).isEmpty();

    PrivateRegistry owning = registry("owned");
    owning.getSpec().storage.deleteClaim = true;
    create(owning);
    PersistentVolumeClaim owned = awaitPresent(PersistentVolumeClaim.class, "owned-data");
    assertThat(owned.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(ref -> assertThat(ref.getName()).isEqualTo("owned"));
  }

  @Test
  void aUserSuppliedCertificateIsServedAndItsCaPublished() {
    PrivateRegistry registry = registry("own-tls");
    registry.getSpec().tls.secretName = "own-cert";
    create(registry);

    PrivateRegistry waiting =
        awaitStatus("own-tls", r -> "TlsSecretNotFound".equals(readyReason(r)));
    assertThat(Conditions.find(waiting.getStatus().conditions, "Ready").orElseThrow().getMessage())
        .contains("own-cert");
    assertThat(get(Deployment.class, "own-tls"))
        .as("nothing applied while the Secret is missing")
        .isNull();

    CertificateAuthority theirCa = CertificateAuthority.generate("their CA", Clock.systemUTC());
    KeyAndCertificate theirs =
        theirCa.issueServerCertificate(
            List.of("registry.example.test"), Duration.ofDays(30), Clock.systemUTC());
    String theirCaPem = Pem.encode(theirCa.certificate());
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("own-cert")
                .withNamespace(NAMESPACE)
                .endMetadata()
                .withType("kubernetes.io/tls")
                .withData(
                    SecretData.encode(
                        Map.of(
                            "tls.crt",
                            theirs.certificatePem(),
                            "tls.key",
                            theirs.keyPem(),
                            "ca.crt",
                            theirCaPem)))
                .build())
        .create();
    // Edit the registry so the operator looks again now rather than at its periodic recheck.
    edit(
        "own-tls",
        r -> {
          r.getSpec().proxy.readTimeoutSeconds = 601;
          return r;
        });

    Deployment deployment = awaitPresent(Deployment.class, "own-tls");
    assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes())
        .filteredOn(volume -> "tls".equals(volume.getName()))
        .singleElement()
        .satisfies(volume -> assertThat(volume.getSecret().getSecretName()).isEqualTo("own-cert"));
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              ConfigMap bundle =
                  get(ConfigMap.class, RegistryNames.of("own-tls").caBundleConfigMap());
              return bundle != null && theirCaPem.equals(bundle.getData().get("ca.crt"));
            });
    PrivateRegistry served =
        awaitStatus("own-tls", r -> "DeploymentUnavailable".equals(readyReason(r)));
    assertThat(served.getStatus().certificateExpiry)
        .isEqualTo(theirs.certificate().getNotAfter().toInstant().toString());
    // The registry's own CA is still there for the day it switches back.
    assertThat(get(Secret.class, RegistryNames.of("own-tls").caSecret())).isNotNull();
  }

  @Test
  void anAdoptedClaimIsMountedAndNoClaimIsCreated() {
    // The claim must exist: a missing one is reported (ExistingClaimNotFound), not mounted.
    client
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName("team-data")
                .withNamespace(registry("adopter").getMetadata().getNamespace())
                .endMetadata()
                .build())
        .create();
    PrivateRegistry registry = registry("adopter");
    registry.getSpec().storage.existingClaim = "team-data";
    create(registry);

    Deployment deployment = awaitPresent(Deployment.class, "adopter");
    assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes())
        .filteredOn(volume -> "data".equals(volume.getName()))
        .singleElement()
        .satisfies(
            volume ->
                assertThat(volume.getPersistentVolumeClaim().getClaimName())
                    .isEqualTo("team-data"));
    awaitStatus("adopter", r -> r.getStatus().observedGeneration != null);
    assertThat(get(PersistentVolumeClaim.class, RegistryNames.of("adopter").claim())).isNull();
  }

  @Test
  void aNetworkPolicyFollowsTheSpecAndComesBackWhenDeleted() {
    create(registry("demo"));
    RegistryNames names = RegistryNames.of("demo");
    awaitStatus("demo", r -> r.getStatus().observedGeneration != null);
    assertThat(get(NetworkPolicy.class, names.networkPolicy()))
        .as("NetworkPolicy without spec.networkPolicy")
        .isNull();

    edit(
        "demo",
        r -> {
          r.getSpec().networkPolicy = new NetworkPolicySpec();
          return r;
        });
    NetworkPolicy policy = awaitPresent(NetworkPolicy.class, names.networkPolicy());
    assertThat(policy.getSpec().getIngress().get(0).getPorts().get(0).getPort().getIntVal())
        .as("admitted port")
        .isEqualTo(15000);
    deleteAndAwaitReturn(NetworkPolicy.class, names.networkPolicy());

    edit(
        "demo",
        r -> {
          r.getSpec().networkPolicy.enabled = false;
          return r;
        });
    await()
        .atMost(TIMEOUT)
        .alias("NetworkPolicy removed after enabled: false")
        .until(() -> get(NetworkPolicy.class, names.networkPolicy()) == null);

    edit(
        "demo",
        r -> {
          r.getSpec().networkPolicy.enabled = true;
          return r;
        });
    awaitPresent(NetworkPolicy.class, names.networkPolicy());
    edit(
        "demo",
        r -> {
          r.getSpec().networkPolicy = null;
          return r;
        });
    await()
        .atMost(TIMEOUT)
        .alias("NetworkPolicy removed with spec.networkPolicy")
        .until(() -> get(NetworkPolicy.class, names.networkPolicy()) == null);
  }

  private Operator startedOperator() {
    Operator started = RegistryOperator.create(client, MockServerOperators.settings());
    started.start();
    return started;
  }

  private static PrivateRegistry registry(String name) {
    PrivateRegistry registry = new PrivateRegistry();
    registry.getMetadata().setName(name);
    registry.getMetadata().setNamespace(NAMESPACE);
    return registry;
  }

  private static void create(PrivateRegistry registry) {
    client.resource(registry).create();
  }

  /** Edits like a user would; a 409 because the operator just wrote status is retried. */
  private static void edit(String name, UnaryOperator<PrivateRegistry> change) {
    await()
        .atMost(TIMEOUT)
        .ignoreExceptions()
        .until(
            () -> {
              client
                  .resources(PrivateRegistry.class)
                  .inNamespace(NAMESPACE)
                  .withName(name)
                  .edit(change);
              return true;
            });
  }

  private static <R extends HasMetadata> R get(Class<R> type, String name) {
    return client.resources(type).inNamespace(NAMESPACE).withName(name).get();
  }

  private static <R extends HasMetadata> R awaitPresent(Class<R> type, String name) {
    await().atMost(TIMEOUT).until(() -> get(type, name) != null);
    return get(type, name);
  }

  private static <R extends HasMetadata> void deleteAndAwaitReturn(Class<R> type, String name) {
    String uid = awaitPresent(type, name).getMetadata().getUid();
    client.resources(type).inNamespace(NAMESPACE).withName(name).delete();
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              R back = get(type, name);
              return back != null && !uid.equals(back.getMetadata().getUid());
            });
  }

  private static PrivateRegistry awaitStatus(
      String name, java.util.function.Predicate<PrivateRegistry> condition) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              PrivateRegistry current = get(PrivateRegistry.class, name);
              return current != null && current.getStatus() != null && condition.test(current);
            });
    return get(PrivateRegistry.class, name);
  }

  private static String readyReason(PrivateRegistry registry) {
    return Conditions.find(registry.getStatus().conditions, "Ready")
        .map(c -> c.getReason())
        .orElse(null);
  }

  private static String podAnnotation(Deployment deployment, String key) {
    return deployment.getSpec().getTemplate().getMetadata().getAnnotations().get(key);
  }

  /** Plays the Deployment controller, which the mock server does not have. */
  private static void markAvailable(String deployment) {
    Deployment current = get(Deployment.class, deployment);
    current.setStatus(
        new DeploymentStatusBuilder()
            .withReplicas(1)
            .withAvailableReplicas(1)
            .withReadyReplicas(1)
            .withConditions(
                new DeploymentConditionBuilder().withType("Available").withStatus("True").build())
            .build());
    client.resource(current).updateStatus();
  }
}
