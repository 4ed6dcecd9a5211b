package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.StorageStatus;
import dev.registryoperator.it.TestNamespace.Child;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.KeyAndCertificate;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.ResourceQuotaStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The operator exactly as production assembles it (server-side apply on) against a real
 * kube-apiserver 1.20.2: what the mock server cannot show - SSA, managedFields, schema defaults,
 * 409s, admission refusals - is tested here.
 *
 * <p>One API server and one operator serve the whole class; each test works in a namespace of its
 * own and judges the operator by the requests its client sent into that namespace ({@link
 * ApiRequestLog}), not by sleeping and hoping. Tests of RegistryUsers against a registry fit the
 * same pattern: create the registry with {@link #createRegistry}, {@link #settle} it, then create
 * users in {@link #namespace}.
 */
class PrivateRegistryIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  static final String API_VERSION = PrivateRegistry.GROUP + "/" + PrivateRegistry.VERSION;
  static final String GITOPS = "gitops";

  /** How long the operator must not write before a registry counts as settled. */
  static final Duration SETTLED = Duration.ofSeconds(2);

  @RegisterExtension
  @Order(OperatorUnderTest.AFTER_THE_SERVER)
  static final OperatorUnderTest operator = OperatorUnderTest.forEveryTest(API);

  TestNamespace namespace;

  /**
   * On failure, what the operator wrote into the test's namespace: often the quickest explanation.
   */
  @RegisterExtension
  final TestWatcher operatorWritesOnFailure =
      new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
          if (namespace == null || operator == null) {
            return;
          }
          System.out.printf(
              "[it] %s failed; the operator's writes into %s:%n",
              context.getDisplayName(), namespace.name());
          operator
              .requests()
              .since(
                  Long.MIN_VALUE,
                  request -> request.isWrite() && request.inNamespace(namespace.name()))
              .forEach(request -> System.out.println("[it]   " + request));
        }
      };

  @BeforeEach
  void newNamespace() {
    namespace = TestNamespace.create(API, "registry");
  }

  @Test
  void everyChildIsAppliedWithAControllerReferenceAndReadyFollowsTheDeployment() {
    GenericKubernetesResource created =
        createRegistry("demo", "spec: {ingress: {host: registry.example.test}}");
    RegistryNames names = RegistryNames.of("demo");

    for (Child child : children(names, true)) {
      HasMetadata object = namespace.awaitPresent(child.type(), child.name());
      assertControlledBy(object, created);
    }
    PersistentVolumeClaim claim =
        namespace.awaitPresent(PersistentVolumeClaim.class, names.claim());
    assertThat(claim.getMetadata().getOwnerReferences())
        .as("the claim outlives its registry unless deleteClaim is set")
        .isEmpty();
    assertThat(claim.getSpec().getResources().getRequests().get("storage"))
        .isEqualTo(new Quantity("10Gi"));
    Service service = namespace.get(Service.class, names.service());
    assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(service.getSpec().getPorts())
        .singleElement()
        .satisfies(
            port -> {
              assertThat(port.getPort()).isEqualTo(15000);
              assertThat(port.getProtocol()).isEqualTo("TCP");
            });

    PrivateRegistry waiting = namespace.awaitReady("demo", "DeploymentUnavailable");
    assertThat(TestNamespace.ready(waiting).orElseThrow().getStatus()).isEqualTo("False");
    assertThat(waiting.getStatus().url)
        .isEqualTo("https://demo." + namespace.name() + ".svc:15000");
    assertThat(waiting.getStatus().externalUrl).isEqualTo("https://registry.example.test");
    assertThat(waiting.getStatus().caBundleConfigMap).isEqualTo(names.caBundleConfigMap());
    assertThat(waiting.getStatus().certificateExpiry).isNotBlank();
    assertThat(waiting.getStatus().users).isZero();

    namespace.setDeploymentAvailable(names.deployment(), true);

    PrivateRegistry ready = namespace.awaitReady("demo", "Available");
    assertThat(TestNamespace.ready(ready).orElseThrow())
        .satisfies(
            condition -> {
              assertThat(condition.getStatus()).isEqualTo("True");
              assertThat(condition.getObservedGeneration())
                  .isEqualTo(ready.getMetadata().getGeneration());
              assertThat(condition.getMessage()).contains(ready.getStatus().url);
            });
  }

  /**
   * The claim and the CA hold what a registry created again under the same name must find: the
   * images and the CA clients trust. Without deleteClaim neither is owned; setting it later makes
   * the registry their controller without rewriting the CA.
   */
  @Test
  void theClaimAndTheCaAreOwnedByTheRegistryOnlyWithDeleteClaim() {
    GenericKubernetesResource keeping = createRegistry("keep", "spec: {}");
    GenericKubernetesResource owning =
        createRegistry("owned", "spec: {storage: {deleteClaim: true}}");
    RegistryNames keep = RegistryNames.of("keep");
    RegistryNames owned = RegistryNames.of("owned");

    PersistentVolumeClaim keptClaim =
        namespace.awaitPresent(PersistentVolumeClaim.class, keep.claim());
    Secret keptCa = namespace.awaitPresent(Secret.class, keep.caSecret());
    assertThat(keptClaim.getMetadata().getOwnerReferences())
        .as("claim without deleteClaim")
        .isEmpty();
    assertThat(keptCa.getMetadata().getOwnerReferences()).as("CA without deleteClaim").isEmpty();
    assertThat(keptClaim.getMetadata().getLabels()).containsEntry(Labels.REGISTRY, "keep");
    assertThat(keptCa.getMetadata().getLabels()).containsEntry(Labels.REGISTRY, "keep");
    assertControlledBy(namespace.awaitPresent(PersistentVolumeClaim.class, owned.claim()), owning);
    assertControlledBy(namespace.awaitPresent(Secret.class, owned.caSecret()), owning);

    settle("keep", "DeploymentUnavailable");
    long mark = operator.requests().mark();
    editSpec("keep", "{\"storage\":{\"deleteClaim\":true}}");
    namespace.awaitRegistry(
        "keep",
        "claim and CA controlled by the registry once deleteClaim is set",
        registry ->
            !namespace
                    .get(Secret.class, keep.caSecret())
                    .getMetadata()
                    .getOwnerReferences()
                    .isEmpty()
                && !claim("keep").getMetadata().getOwnerReferences().isEmpty());
    settle("keep", "DeploymentUnavailable");

    assertControlledBy(namespace.get(Secret.class, keep.caSecret()), keeping);
    assertControlledBy(claim("keep"), keeping);
    assertThat(namespace.get(Secret.class, keep.caSecret()).getData())
        .as("the CA's key and certificate after deleteClaim was set")
        .isEqualTo(keptCa.getData());
    String caPath = "/api/v1/namespaces/" + namespace.name() + "/secrets/" + keep.caSecret();
    assertThat(
            operator.requests().since(mark, r -> r.isWrite() && r.path().equals(caPath)).stream()
                .map(ApiRequestLog.Request::toString))
        .as("the operator's writes of the CA Secret")
        .containsExactly("PUT " + caPath + " -> 200");
  }

  /** 1.20 has no garbage collector: whatever comes back here was created by the operator. */
  @Test
  void everyDeletedChildComesBack() {
    createRegistry("demo", "spec: {ingress: {host: registry.example.test}}");
    RegistryNames names = RegistryNames.of("demo");
    settle("demo", "DeploymentUnavailable");

    for (Child child : children(names, true)) {
      HasMetadata back = namespace.deleteAndAwaitReturn(child.type(), child.name());
      assertThat(back.getMetadata().getOwnerReferences()).as(child + " owner").hasSize(1);
    }
    // The CA last: a new CA means a new serving certificate, checked below. Like the claim, it
    // outlives its registry, so it comes back without an owner.
    Secret newCa = namespace.deleteAndAwaitReturn(Secret.class, names.caSecret());
    assertThat(newCa.getMetadata().getOwnerReferences()).as("owners of the new CA").isEmpty();

    String caPem = decoded(namespace.get(Secret.class, names.caSecret()), Keys.TLS_CERT);
    namespace.awaitRegistry(
        "demo",
        "serving certificate and CA bundle from the new CA",
        registry ->
            caPem.equals(decoded(namespace.get(Secret.class, names.tlsSecret()), Keys.CA_CERT))
                && caPem.equals(
                    namespace
                        .get(ConfigMap.class, names.caBundleConfigMap())
                        .getData()
                        .get(Keys.CA_CERT)));
    settle("demo", "DeploymentUnavailable");
  }

  @Test
  void aRestartedOperatorKeepsTheSecretsAndRewritesNothing() {
    createRegistry("demo", "spec: {ingress: {host: registry.example.test}}");
    RegistryNames names = RegistryNames.of("demo");
    settle("demo", "DeploymentUnavailable");
    Map<String, String> ca = namespace.get(Secret.class, names.caSecret()).getData();
    Map<String, String> serving = namespace.get(Secret.class, names.tlsSecret()).getData();
    Map<String, String> http = namespace.get(Secret.class, names.httpSecret()).getData();

    operator.stop();
    // Becomes visible in status only through a reconcile by the new operator.
    namespace.setDeploymentAvailable(names.deployment(), true);
    Map<String, String> versionsBefore =
        namespace.resourceVersions(childrenAndRetained(names, true));
    long mark = operator.requests().mark();
    operator.startAgain();

    namespace.awaitReady("demo", "Available");
    awaitOperatorQuiet();

    assertThat(namespace.get(Secret.class, names.caSecret()).getData()).isEqualTo(ca);
    assertThat(namespace.get(Secret.class, names.tlsSecret()).getData()).isEqualTo(serving);
    assertThat(namespace.get(Secret.class, names.httpSecret()).getData()).isEqualTo(http);
    assertThat(namespace.resourceVersions(childrenAndRetained(names, true)))
        .isEqualTo(versionsBefore);
    assertThat(operator.requests().writesSince(mark, namespace.name()))
        .as("writes of the restarted operator")
        .containsExactly(statusPatch("demo"));
  }

  @Test
  void aGitOpsToolAndTheOperatorDoNotFight() throws InterruptedException {
    String manifest =
        registryManifest(
            "demo",
            """
            spec:
              proxy:
                readTimeoutSeconds: 900
              ingress:
                host: registry.example.test
            """);
    GenericKubernetesResource applied = namespace.apply(GITOPS, manifest);
    RegistryNames names = RegistryNames.of("demo");
    settle("demo", "DeploymentUnavailable");
    namespace.setDeploymentAvailable(names.deployment(), true);
    settle("demo", "Available");
    assertOperatorOwnsOnlyStatus(namespace.registry("demo"));

    // About ten seconds of a GitOps sync loop re-applying its manifest, each round with a
    // reconcile of the registry.
    assertReconcilesWriteNothing(applied, true, 5, () -> namespace.apply(GITOPS, manifest));

    PrivateRegistry registry = namespace.registry("demo");
    assertOperatorOwnsOnlyStatus(registry);
    assertThat(registry.getSpec().proxy.readTimeoutSeconds).isEqualTo(900);
    assertThat(registry.getSpec().ingress.host).isEqualTo("registry.example.test");
    assertThat(namespace.get(ConfigMap.class, names.configMap()).getData().get(Keys.NGINX_CONFIG))
        .contains("proxy_read_timeout 900s;");
  }

  /**
   * Every optional field set, with the values people write: non-canonical quantities, a node port,
   * an Ingress with class, TLS and annotations, a NetworkPolicy with every kind of peer (an empty
   * selector among them). Nothing the API server normalises may look like drift to the operator
   * (1.20 stores 1024Mi as 1Gi, drops empty objects from managedFields).
   */
  @Test
  void aRegistryWithEveryOptionalFieldSettlesAndStaysSettled() throws InterruptedException {
    GenericKubernetesResource created =
        createRegistry(
            "full",
            """
            spec:
              image: registry:2.8.3
              storage:
                size: 20480Mi
                accessModes: [ReadWriteMany]
                storageClassName: fast
              tls:
                dnsNames: [registry.internal.test, "*.registry.internal.test"]
                validityDays: 90
                renewBeforeDays: 10
              auth:
                realm: Team A
                bcryptCost: 5
              proxy:
                port: 16000
                readTimeoutSeconds: 1200
                maxBodySize: 2g
              service:
                type: NodePort
                nodePort: 30500
              ingress:
                host: registry.example.test
                className: nginx
                tlsSecretName: registry-ingress-tls
                annotations:
                  nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"
                  example.test/owner: team-a
              networkPolicy:
                from:
                  - namespaceSelector: {}
                    podSelector:
                      matchLabels: {app.kubernetes.io/name: ingress-nginx}
                  - podSelector:
                      matchExpressions:
                        - {key: tier, operator: In, values: [ci, build]}
                        - {key: example.test/blocked, operator: DoesNotExist}
                  - ipBlock: {cidr: 10.0.0.0/8, except: [10.96.0.0/12]}
                  - ipBlock: {cidr: "fd00::/8"}
                metricsFrom:
                  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
              resources:
                registry:
                  requests: {cpu: 1000m, memory: 1024Mi}
                  limits: {memory: 2048Mi}
                proxy:
                  requests: {cpu: "0.1", memory: 64Mi}
                  limits: {cpu: 1, memory: 131072Ki}
            """);
    RegistryNames names = RegistryNames.of("full");
    settle("full", "DeploymentUnavailable");

    assertThat(
            namespace
                .get(PersistentVolumeClaim.class, names.claim())
                .getSpec()
                .getResources()
                .getRequests())
        .containsEntry("storage", new Quantity("20Gi"));
    assertThat(namespace.get(Service.class, names.service()).getSpec().getPorts())
        .singleElement()
        .satisfies(port -> assertThat(port.getNodePort()).isEqualTo(30500));
    assertThat(namespace.get(Ingress.class, names.ingress()).getMetadata().getAnnotations())
        .containsEntry("nginx.ingress.kubernetes.io/proxy-read-timeout", "3600")
        .containsEntry("example.test/owner", "team-a");

    assertThat(namespace.get(NetworkPolicy.class, names.networkPolicy()).getSpec().getIngress())
        .as("ingress rules of the NetworkPolicy")
        .satisfiesExactly(
            proxy -> {
              assertThat(proxy.getPorts().get(0).getPort().getIntVal()).isEqualTo(16000);
              assertThat(proxy.getFrom()).hasSize(4);
            },
            metrics -> assertThat(metrics.getPorts().get(0).getPort().getIntVal()).isEqualTo(9091));

    assertReconcilesWriteNothing(created, true, 3, () -> {});
  }

  /**
   * Secrets and ConfigMaps are updated with a plain PUT carrying the cached resourceVersion. A
   * child changed again and again by someone else makes those PUTs stale: 409 Conflict.
   */
  @Test
  void staleResourceVersionConflictsEndInConvergence() {
    createRegistry("demo", "spec: {}");
    RegistryNames names = RegistryNames.of("demo");
    settle("demo", "DeploymentUnavailable");
    String rendered =
        namespace.get(ConfigMap.class, names.configMap()).getData().get(Keys.REGISTRY_CONFIG);
    long mark = operator.requests().mark();

    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    int edits = 0;
    while (conflictsSince(mark, names.configMap()) == 0 && System.nanoTime() < deadline) {
      // A merge patch carries no resourceVersion: the editor always wins, the operator's PUT may
      // not.
      namespace
          .kube()
          .configMaps()
          .inNamespace(namespace.name())
          .withName(names.configMap())
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"data\":{\"" + Keys.REGISTRY_CONFIG + "\":\"# edited " + ++edits + "\\n\"}}");
    }
    assertThat(conflictsSince(mark, names.configMap()))
        .as("409s answered to the operator after %d edits", edits)
        .isPositive();

    namespace.awaitRegistry(
        "demo",
        "config.yml rendered again",
        registry ->
            rendered.equals(
                namespace
                    .get(ConfigMap.class, names.configMap())
                    .getData()
                    .get(Keys.REGISTRY_CONFIG)));
    settle("demo", "DeploymentUnavailable");
    assertThat(warningEvents("ReconcileFailed"))
        .as("the conflict was reported, reduced to its code")
        .anySatisfy(message -> assertThat(message).contains("409"));
  }

  /**
   * A ResourceQuota that admits no further ConfigMap makes the API server refuse the operator's
   * create with 403: Ready=False, ReconcileFailed. Once the quota is gone the retry converges.
   */
  @Test
  void aRefusedCreateIsReportedAndConvergesOnceTheCauseIsGone() {
    createRegistry("demo", "spec: {}");
    RegistryNames names = RegistryNames.of("demo");
    settle("demo", "DeploymentUnavailable");
    namespace.setDeploymentAvailable(names.deployment(), true);
    settle("demo", "Available");

    installConfigMapQuotaOfZero();
    String uid = namespace.get(ConfigMap.class, names.caBundleConfigMap()).getMetadata().getUid();
    long mark = operator.requests().mark();
    namespace
        .kube()
        .configMaps()
        .inNamespace(namespace.name())
        .withName(names.caBundleConfigMap())
        .delete();

    PrivateRegistry failed =
        namespace.awaitRegistry(
            "demo",
            "Ready=False, ReconcileFailed",
            registry -> "ReconcileFailed".equals(TestNamespace.readyReason(registry)));
    assertThat(TestNamespace.ready(failed).orElseThrow().getStatus()).isEqualTo("False");
    assertThat(TestNamespace.ready(failed).orElseThrow().getMessage()).contains("403");
    String configMaps = "/namespaces/" + namespace.name() + "/configmaps";
    assertThat(
            operator
                .requests()
                .since(mark, r -> r.method().equals("POST") && r.path().endsWith(configMaps)))
        .as("the operator's creates of the ConfigMap")
        .isNotEmpty()
        .allSatisfy(request -> assertThat(request.code()).isEqualTo(403));

    namespace
        .kube()
        .resourceQuotas()
        .inNamespace(namespace.name())
        .withName("no-more-configmaps")
        .delete();

    ConfigMap back = namespace.awaitPresent(ConfigMap.class, names.caBundleConfigMap());
    assertThat(back.getMetadata().getUid()).isNotEqualTo(uid);
    settle("demo", "Available");
    assertThat(warningEvents("ReconcileFailed"))
        .anySatisfy(message -> assertThat(message).contains("403"));
  }

  // Input problems: Ready=False with a reason, one Warning, nothing applied, no retry storm -------

  /**
   * A storage class change would be refused (422) on every retry: it is reported, never PATCHed.
   */
  @Test
  void aStorageClassChangeIsReportedAndTheClaimLeftAlone() throws InterruptedException {
    createRegistry("demo", "spec: {storage: {storageClassName: standard}}");
    settle("demo", "DeploymentUnavailable");

    InputProblem problem =
        editAndAwaitProblem(
            "demo", "{\"storage\":{\"storageClassName\":\"fast\"}}", "ClaimChangeNotPossible");

    assertThat(problem.message())
        .contains("spec.storage.storageClassName is 'fast'", "'standard'", "demo-data");
    assertThat(claim("demo").getSpec().getStorageClassName()).isEqualTo("standard");
    problem.assertHandledAsInput();
  }

  @Test
  void aShrinkIsReportedAndTheClaimLeftAlone() throws InterruptedException {
    createRegistry("demo", "spec: {storage: {size: 10Gi}}");
    settle("demo", "DeploymentUnavailable");

    InputProblem problem =
        editAndAwaitProblem("demo", "{\"storage\":{\"size\":\"5Gi\"}}", "ClaimChangeNotPossible");

    assertThat(problem.message()).contains("spec.storage.size is 5Gi", "10Gi", "cannot shrink");
    assertThat(claim("demo").getSpec().getResources().getRequests())
        .containsEntry("storage", new Quantity("10Gi"));
    problem.assertHandledAsInput();
  }

  @Test
  void growthIsRefusedWhenTheStorageClassDoesNotAllowExpansion() throws InterruptedException {
    String storageClass = createStorageClass("fixed", false);
    createRegistry("demo", "spec: {storage: {storageClassName: " + storageClass + "}}");
    settle("demo", "DeploymentUnavailable");
    playVolumeBinder("demo");

    InputProblem problem =
        editAndAwaitProblem(
            "demo", "{\"storage\":{\"size\":\"20Gi\"}}", "ClaimExpansionNotAllowed");

    assertThat(problem.message())
        .contains("storage class '" + storageClass + "' does not allow volume expansion");
    assertThat(storageClassReadsSince(problem.mark(), storageClass))
        .as("the StorageClass is read with a GET")
        .isPositive();
    assertThat(claim("demo").getSpec().getResources().getRequests())
        .containsEntry("storage", new Quantity("10Gi"));
    problem.assertHandledAsInput();
    assertThat(storageClassReadsSince(problem.quietFrom(), storageClass))
        .as("StorageClass reads while the problem stands")
        .isZero();
  }

  /**
   * 1.20 has no volume binder: a claim stays Pending, and the API server refuses to grow a Pending
   * claim. The operator waits for the binding (ClaimNotBound) and grows the claim once the test,
   * playing the binder, marks it Bound.
   */
  @Test
  void growthWaitsForTheBindingThenTheClaimGrows() throws InterruptedException {
    String storageClass = createStorageClass("expandable", true);
    createRegistry("demo", "spec: {storage: {storageClassName: " + storageClass + "}}");
    settle("demo", "DeploymentUnavailable");
    PersistentVolumeClaim pending = claim("demo");
    assertThat(pending.getStatus().getPhase()).isEqualTo("Pending");
    TestNamespace.await("status.storage to show the pending claim")
        .untilAsserted(
            () ->
                assertThat(namespace.registry("demo").getStatus().storage)
                    .usingRecursiveComparison()
                    .isEqualTo(storageStatus("demo-data", "Pending", null, "10Gi")));
    assertThat(growDirectly(pending, "20Gi"))
        .as("what the API server answers to growing a Pending claim")
        .isEqualTo(422);

    InputProblem problem =
        editAndAwaitProblem("demo", "{\"storage\":{\"size\":\"20Gi\"}}", "ClaimNotBound");
    assertThat(problem.message()).contains("phase Pending", "grows once it is bound");
    problem.assertHandledAsInput();

    long mark = operator.requests().mark();
    playVolumeBinder("demo");

    TestNamespace.await("the claim to grow")
        .until(
            () ->
                new Quantity("20Gi")
                    .equals(claim("demo").getSpec().getResources().getRequests().get("storage")));
    settle("demo", "DeploymentUnavailable");
    assertThat(claimPatchesSince(mark, "demo"))
        .containsExactly("PATCH " + claimPath("demo") + " -> 200");
    // Until a resizer expands the volume, the bound capacity stays what it was.
    TestNamespace.await("status.storage to show the growth in progress")
        .untilAsserted(
            () ->
                assertThat(namespace.registry("demo").getStatus().storage)
                    .usingRecursiveComparison()
                    .isEqualTo(storageStatus("demo-data", "Bound", "10Gi", "20Gi")));
  }

  static StorageStatus storageStatus(
      String claim, String phase, String capacity, String requested) {
    StorageStatus expected = new StorageStatus();
    expected.claim = claim;
    expected.phase = phase;
    expected.capacity = capacity;
    expected.requested = requested;
    return expected;
  }

  /**
   * No class in the spec: default class admission writes one into the claim. That is no change, and
   * the claim can still grow when that class allows expansion.
   */
  @Test
  void aClaimOfTheDefaultClassIsNoChangeAndCanGrow() {
    String storageClass = createStorageClass("default", true);
    RegistryNames names = RegistryNames.of("demo");
    long created = operator.requests().mark();
    markDefaultStorageClass(storageClass, true);
    try {
      createRegistry("demo", "spec: {}");
      namespace.awaitPresent(PersistentVolumeClaim.class, names.claim());
    } finally {
      // StorageClasses are cluster-wide: the other tests' claims must not get this one.
      markDefaultStorageClass(storageClass, false);
    }
    assertThat(claim("demo").getSpec().getStorageClassName()).isEqualTo(storageClass);
    settle("demo", "DeploymentUnavailable");
    assertThat(claimPatchesSince(created, "demo"))
        .as("the claim's creation (an apply) and no PATCH after it")
        .containsExactly("PATCH " + claimPath("demo") + " -> 201");

    playVolumeBinder("demo");
    long mark = operator.requests().mark();
    editSpec("demo", "{\"storage\":{\"size\":\"20Gi\"}}");

    TestNamespace.await("the claim to grow")
        .until(
            () ->
                new Quantity("20Gi")
                    .equals(claim("demo").getSpec().getResources().getRequests().get("storage")));
    settle("demo", "DeploymentUnavailable");
    assertThat(claimPatchesSince(mark, "demo"))
        .containsExactly("PATCH " + claimPath("demo") + " -> 200");
    assertThat(claim("demo").getSpec().getStorageClassName()).isEqualTo(storageClass);
  }

  /**
   * A change the checks leave to the API server - a class for a claim that has none: newer API
   * servers accept it, 1.20 refuses it - is reported in the server's words, without retrying.
   */
  @Test
  void aClaimUpdateTheServerRefusesIsReportedInItsWordsWithoutRetrying()
      throws InterruptedException {
    createRegistry("demo", "spec: {}");
    settle("demo", "DeploymentUnavailable");
    assertThat(claim("demo").getSpec().getStorageClassName()).as("no default class here").isNull();
    if (API.version().atLeast(1, 28)) {
      // Since 1.28 (retroactive default StorageClass assignment, GA) an unbound claim without a
      // class may be given one: the server accepts the change, and the operator applies it once,
      // like any other change it has no reason to refuse.
      long mark = operator.requests().mark();
      editSpec("demo", "{\"storage\":{\"storageClassName\":\"fast\"}}");
      TestNamespace.await("the claim's class set to fast")
          .until(() -> "fast".equals(claim("demo").getSpec().getStorageClassName()));
      settle("demo", "DeploymentUnavailable");
      assertThat(claimPatchesSince(mark, "demo"))
          .containsExactly("PATCH " + claimPath("demo") + " -> 200");
      return;
    }

    InputProblem problem =
        editAndAwaitProblem(
            "demo", "{\"storage\":{\"storageClassName\":\"fast\"}}", "ClaimUpdateRefused");

    assertThat(problem.message())
        .startsWith(
            "The API server refused to update claim 'demo-data': PersistentVolumeClaim \"demo-data\""
                + " is invalid: spec: Forbidden: spec is immutable")
        .contains("spec.storage.existingClaim")
        .as("the server's dump of the claim spec is left out")
        .doesNotContain("\n");
    assertThat(claimPatchesSince(problem.mark(), "demo"))
        .containsExactly("PATCH " + claimPath("demo") + " -> 422");
    assertThat(claim("demo").getSpec().getStorageClassName()).isNull();
    problem.assertNoRetries();
  }

  /**
   * A cross-field mistake (a nodePort on a ClusterIP Service) is refused at apply by the CRD's CEL
   * rule where the server has CEL (1.25 and newer); 1.20 drops the rule with the CRD, stores the
   * object, and the reconciler's own validation reports it - the reason it stays.
   */
  @Test
  void aCrossFieldMistakeIsAnsweredAtApplyOrByTheReconciler() {
    String mistake = "spec: {service: {nodePort: 30500}}";
    String message = "spec.service.nodePort needs spec.service.type NodePort or LoadBalancer.";
    if (API.version().atLeast(1, 25)) {
      assertThatThrownBy(() -> createRegistry("demo", mistake))
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> {
                assertThat(e.getCode()).isEqualTo(422);
                assertThat(e.getMessage()).contains(message);
              });
    } else {
      createRegistry("demo", mistake);
      PrivateRegistry reported = namespace.awaitReady("demo", "InvalidSpec");
      assertThat(TestNamespace.ready(reported).orElseThrow().getMessage()).contains(message);
    }
  }

  @Test
  void aDamagedCaSecretIsReportedUntilItIsDeletedAndANewCaGenerated() throws InterruptedException {
    createRegistry("demo", "spec: {}");
    RegistryNames names = RegistryNames.of("demo");
    settle("demo", "DeploymentUnavailable");
    Map<String, String> serving = namespace.get(Secret.class, names.tlsSecret()).getData();
    String oldCa = decoded(namespace.get(Secret.class, names.caSecret()), Keys.TLS_CERT);

    InputProblem problem =
        changeAndAwaitProblem(
            "demo",
            () ->
                namespace
                    .kube()
                    .secrets()
                    .inNamespace(namespace.name())
                    .withName(names.caSecret())
                    .edit(
                        secret -> {
                          secret.setData(
                              SecretData.encode(
                                  Map.of(Keys.TLS_CERT, "garbage", Keys.TLS_KEY, "garbage")));
                          return secret;
                        }),
            "CaSecretInvalid");

    assertThat(problem.message())
        .contains("'demo-ca'", "tls.crt holds no readable PEM certificate", "delete it");
    problem.assertHandledAsInput();
    assertThat(namespace.get(Secret.class, names.tlsSecret()).getData()).isEqualTo(serving);

    // What the message advises: delete it, and a new CA is generated.
    namespace.kube().secrets().inNamespace(namespace.name()).withName(names.caSecret()).delete();
    settle("demo", "DeploymentUnavailable");
    String newCa = decoded(namespace.get(Secret.class, names.caSecret()), Keys.TLS_CERT);
    assertThat(newCa).isNotEqualTo(oldCa);
    assertThat(decoded(namespace.get(Secret.class, names.tlsSecret()), Keys.CA_CERT))
        .isEqualTo(newCa);
  }

  @Test
  void aUserTlsSecretWhoseKeyDoesNotMatchIsNotServed() throws InterruptedException {
    createRegistry("demo", "spec: {}");
    RegistryNames names = RegistryNames.of("demo");
    settle("demo", "DeploymentUnavailable");
    CertificateAuthority theirCa = CertificateAuthority.generate("their CA", Clock.systemUTC());
    KeyAndCertificate theirs =
        theirCa.issueServerCertificate(
            List.of("registry.example.test"), Duration.ofDays(30), Clock.systemUTC());
    KeyAndCertificate another =
        theirCa.issueServerCertificate(
            List.of("registry.example.test"), Duration.ofDays(30), Clock.systemUTC());
    namespace
        .kube()
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("own-cert")
                .withNamespace(namespace.name())
                .endMetadata()
                .withType(Keys.TLS_SECRET_TYPE)
                .withData(
                    SecretData.encode(
                        Map.of(
                            Keys.TLS_CERT,
                            theirs.certificatePem(),
                            Keys.TLS_KEY,
                            another.keyPem())))
                .build())
        .create();

    InputProblem problem =
        editAndAwaitProblem("demo", "{\"tls\":{\"secretName\":\"own-cert\"}}", "TlsSecretInvalid");

    assertThat(problem.message())
        .contains("'own-cert'", "does not belong to the certificate")
        .doesNotContain("PRIVATE KEY");
    problem.assertHandledAsInput();
    assertThat(
            namespace
                .get(Deployment.class, names.deployment())
                .getSpec()
                .getTemplate()
                .getSpec()
                .getVolumes())
        .filteredOn(volume -> "tls".equals(volume.getName()))
        .singleElement()
        .satisfies(
            volume -> assertThat(volume.getSecret().getSecretName()).isEqualTo(names.tlsSecret()));
  }

  // ---------------------------------------------------------------------------------------------

  GenericKubernetesResource createRegistry(String name, String specYaml) {
    return namespace.create(registryManifest(name, specYaml));
  }

  static String registryManifest(String name, String specYaml) {
    return """
        apiVersion: %s
        kind: PrivateRegistry
        metadata:
          name: %s
        """
            .formatted(API_VERSION, name)
        + specYaml;
  }

  /**
   * Waits until the registry's status describes its current generation with this Ready reason and
   * the operator has stopped writing into the namespace.
   */
  PrivateRegistry settle(String registry, String readyReason) {
    for (Child child : children(RegistryNames.of(registry), false)) {
      namespace.awaitPresent(child.type(), child.name());
    }
    namespace.awaitReady(registry, readyReason);
    awaitOperatorQuiet();
    return namespace.awaitReady(registry, readyReason);
  }

  /**
   * Makes the operator reconcile the registry {@code rounds} times, two seconds apart (running
   * {@code eachRound} as well), and asserts it wrote nothing meanwhile. Each round changes an
   * object the operator watches and maps to the registry; a final change of the Deployment's
   * availability must reach the status, which proves the operator was reconciling all along.
   */
  void assertReconcilesWriteNothing(
      GenericKubernetesResource registry, boolean ingress, int rounds, Runnable eachRound)
      throws InterruptedException {
    String name = registry.getMetadata().getName();
    RegistryNames names = RegistryNames.of(name);
    boolean available = "Available".equals(TestNamespace.readyReason(namespace.registry(name)));
    List<Child> watched = new ArrayList<>(childrenAndRetained(names, ingress));
    Child primary = new Child(PrivateRegistry.class, name);
    watched.add(primary);
    Map<String, String> versionsBefore = namespace.resourceVersions(watched);
    long mark = operator.requests().mark();

    ConfigMap trigger = namespace.createReconcileTrigger(registry);
    for (int round = 1; round <= rounds; round++) {
      Thread.sleep(2_000);
      eachRound.run();
      trigger = namespace.pullTrigger(trigger, round);
    }

    assertThat(namespace.resourceVersions(watched))
        .as("resourceVersions after %d reconciles", rounds)
        .isEqualTo(versionsBefore);
    assertThat(operator.requests().writesSince(mark, namespace.name())).isEmpty();

    String deploymentVersion = namespace.setDeploymentAvailable(names.deployment(), !available);
    namespace.awaitReady(name, available ? "DeploymentUnavailable" : "Available");
    awaitOperatorQuiet();
    assertThat(operator.requests().writesSince(mark, namespace.name()))
        .containsExactly(statusPatch(name));
    Map<String, String> expected = new LinkedHashMap<>(versionsBefore);
    expected.put(new Child(Deployment.class, names.deployment()).toString(), deploymentVersion);
    expected.remove(primary.toString());
    watched.remove(primary);
    assertThat(namespace.resourceVersions(watched)).isEqualTo(expected);
  }

  void awaitOperatorQuiet() {
    operator.awaitQuiet(namespace, SETTLED);
  }

  /**
   * The children that carry a controller reference to their registry; not the claim and the CA,
   * which outlive it unless deleteClaim is set.
   */
  static List<Child> children(RegistryNames names, boolean ingress) {
    List<Child> children =
        new ArrayList<>(
            List.of(
                new Child(Deployment.class, names.deployment()),
                new Child(Service.class, names.service()),
                new Child(Secret.class, names.tlsSecret()),
                new Child(Secret.class, names.htpasswdSecret()),
                new Child(Secret.class, names.httpSecret()),
                new Child(ConfigMap.class, names.configMap()),
                new Child(ConfigMap.class, names.caBundleConfigMap())));
    if (ingress) {
      children.add(new Child(Ingress.class, names.ingress()));
    }
    return children;
  }

  /** Every object the operator makes for a registry: its children, the claim and the CA. */
  static List<Child> childrenAndRetained(RegistryNames names, boolean ingress) {
    List<Child> all = new ArrayList<>(children(names, ingress));
    all.add(new Child(PersistentVolumeClaim.class, names.claim()));
    all.add(new Child(Secret.class, names.caSecret()));
    return all;
  }

  String statusPatch(String registry) {
    return "PATCH /apis/"
        + API_VERSION
        + "/namespaces/"
        + namespace.name()
        + "/privateregistries/"
        + registry
        + "/status -> 200";
  }

  static void assertControlledBy(HasMetadata child, HasMetadata owner) {
    TestNamespace.assertControlledBy(child, owner, API_VERSION, "PrivateRegistry");
  }

  /** The operator never writes spec: every field manager but the GitOps tool owns status only. */
  static void assertOperatorOwnsOnlyStatus(PrivateRegistry registry) {
    List<ManagedFieldsEntry> entries = registry.getMetadata().getManagedFields();
    assertThat(entries)
        .filteredOn(entry -> GITOPS.equals(entry.getManager()))
        .singleElement()
        .satisfies(
            entry ->
                assertThat(entry.getFieldsV1().getAdditionalProperties()).containsKey("f:spec"));
    assertThat(entries)
        .filteredOn(entry -> !GITOPS.equals(entry.getManager()))
        .as("managedFields of everyone but " + GITOPS)
        .isNotEmpty()
        .allSatisfy(
            entry ->
                assertThat(entry.getFieldsV1().getAdditionalProperties().keySet())
                    .as("fields of manager " + entry.getManager())
                    .containsExactly("f:status"));
  }

  /**
   * Plays the quota controller, which 1.20 without controller-manager lacks: the admission plugin
   * enforces only what a quota's status says. Returns once the API server refuses a ConfigMap.
   */
  void installConfigMapQuotaOfZero() {
    var quotas = namespace.kube().resourceQuotas().inNamespace(namespace.name());
    ResourceQuota quota =
        quotas
            .resource(
                new ResourceQuotaBuilder()
                    .withNewMetadata()
                    .withName("no-more-configmaps")
                    .endMetadata()
                    .withNewSpec()
                    .withHard(Map.of("configmaps", new Quantity("0")))
                    .endSpec()
                    .build())
            .create();
    int configMaps =
        namespace.kube().configMaps().inNamespace(namespace.name()).list().getItems().size();
    quota.setStatus(
        new ResourceQuotaStatusBuilder()
            .withHard(Map.of("configmaps", new Quantity("0")))
            .withUsed(Map.of("configmaps", new Quantity(Integer.toString(configMaps))))
            .build());
    quotas.resource(quota).updateStatus();

    TestNamespace.await("the quota to refuse ConfigMaps")
        .until(
            () -> {
              ConfigMap probe =
                  new ConfigMapBuilder()
                      .withNewMetadata()
                      .withName("quota-probe")
                      .endMetadata()
                      .build();
              try {
                namespace
                    .kube()
                    .configMaps()
                    .inNamespace(namespace.name())
                    .resource(probe)
                    .create();
              } catch (KubernetesClientException refused) {
                return refused.getCode() == 403;
              }
              namespace
                  .kube()
                  .configMaps()
                  .inNamespace(namespace.name())
                  .withName("quota-probe")
                  .delete();
              return false;
            });
  }

  long conflictsSince(long mark, String configMap) {
    return operator
        .requests()
        .since(
            mark,
            request ->
                request.code() == 409
                    && request
                        .path()
                        .endsWith("/namespaces/" + namespace.name() + "/configmaps/" + configMap))
        .size();
  }

  List<String> warningEvents(String reason) {
    return namespace.kube().v1().events().inNamespace(namespace.name()).list().getItems().stream()
        .filter(event -> "Warning".equals(event.getType()) && reason.equals(event.getReason()))
        .map(Event::getMessage)
        .toList();
  }

  static String decoded(Secret secret, String key) {
    return SecretData.decode(secret, key).orElse(null);
  }

  // Input problems ------------------------------------------------------------------------------

  /**
   * How long a registry with an input problem is watched for retries: JOSDK's first retries come 2
   * s and 5 s after a failure.
   */
  static final Duration RETRY_WINDOW = Duration.ofSeconds(6);

  /** A problem with a registry's input the test provoked, and what the operator did about it. */
  final class InputProblem {

    private final String registry;
    private final String reason;
    private final String message;
    private final long mark;
    private final Map<String, String> versionsBefore;
    private long quietFrom;

    InputProblem(
        String registry,
        String reason,
        String message,
        long mark,
        Map<String, String> versionsBefore) {
      this.registry = registry;
      this.reason = reason;
      this.message = message;
      this.mark = mark;
      this.versionsBefore = versionsBefore;
    }

    String message() {
      return message;
    }

    /** Where the request log stood before the change. */
    long mark() {
      return mark;
    }

    /** Where the request log stood when the retry window began. */
    long quietFrom() {
      return quietFrom;
    }

    /**
     * Reported, and nothing more: exactly one Warning, one status write, no write of any child and
     * no retries.
     */
    void assertHandledAsInput() throws InterruptedException {
      assertNoRetries();
      assertThat(writesWithoutEventsSince(mark)).containsExactly(statusPatch(registry));
      assertThat(namespace.resourceVersions(childrenAndRetained(RegistryNames.of(registry), false)))
          .as("resourceVersions of the registry's objects")
          .isEqualTo(versionsBefore);
    }

    /** Nothing is sent into the namespace for a while, and there was one Warning. */
    void assertNoRetries() throws InterruptedException {
      quietFrom = operator.requests().mark();
      Thread.sleep(RETRY_WINDOW.toMillis());
      assertThat(
              operator
                  .requests()
                  .since(quietFrom, request -> request.inNamespace(namespace.name())))
          .as("the operator's requests into the namespace while the problem stands")
          .isEmpty();
      assertThat(warningEvents(reason))
          .as("Warning Events " + reason)
          .singleElement()
          .isEqualTo(message);
      PrivateRegistry current = namespace.registry(registry);
      assertThat(TestNamespace.ready(current).orElseThrow().getStatus()).isEqualTo("False");
      assertThat(TestNamespace.readyReason(current)).isEqualTo(reason);
    }
  }

  InputProblem editAndAwaitProblem(String registry, String specMergePatch, String reason) {
    return changeAndAwaitProblem(registry, () -> editSpec(registry, specMergePatch), reason);
  }

  /** Makes the change and waits until the registry's status reports the problem. */
  InputProblem changeAndAwaitProblem(String registry, Runnable change, String reason) {
    long mark = operator.requests().mark();
    change.run();
    // Taken after the change: a change of a child is the test's own. The operator's writes are
    // judged by the request log from the mark on.
    Map<String, String> versions =
        namespace.resourceVersions(childrenAndRetained(RegistryNames.of(registry), false));
    PrivateRegistry reported = namespace.awaitReady(registry, reason);
    String message = TestNamespace.ready(reported).orElseThrow().getMessage();
    System.out.printf("[it] %s: %s%n", reason, message);
    return new InputProblem(registry, reason, message, mark, versions);
  }

  /** A JSON merge patch of the registry's spec, as kubectl edit or patch would send it. */
  void editSpec(String registry, String specMergePatch) {
    namespace
        .kube()
        .resources(PrivateRegistry.class)
        .inNamespace(namespace.name())
        .withName(registry)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":" + specMergePatch + "}");
  }

  PersistentVolumeClaim claim(String registry) {
    return namespace.get(PersistentVolumeClaim.class, RegistryNames.of(registry).claim());
  }

  String claimPath(String registry) {
    return "/api/v1/namespaces/"
        + namespace.name()
        + "/persistentvolumeclaims/"
        + RegistryNames.of(registry).claim();
  }

  List<String> claimPatchesSince(long mark, String registry) {
    return operator
        .requests()
        .since(mark, r -> r.method().equals("PATCH") && r.path().equals(claimPath(registry)))
        .stream()
        .map(ApiRequestLog.Request::toString)
        .toList();
  }

  List<String> writesWithoutEventsSince(long mark) {
    return operator.requests().writesSince(mark, namespace.name()).stream()
        .filter(write -> !write.contains("/events"))
        .toList();
  }

  long storageClassReadsSince(long mark, String storageClass) {
    return operator
        .requests()
        .since(
            mark,
            r -> r.method().equals("GET") && r.path().endsWith("/storageclasses/" + storageClass))
        .size();
  }

  /** A StorageClass of this test (they are cluster-wide): the name carries the namespace's. */
  String createStorageClass(String prefix, boolean allowVolumeExpansion) {
    String name = prefix + "-" + namespace.name();
    namespace
        .kube()
        .storage()
        .v1()
        .storageClasses()
        .resource(
            new StorageClassBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withProvisioner("example.test/no-provisioner")
                .withAllowVolumeExpansion(allowVolumeExpansion)
                .build())
        .create();
    return name;
  }

  void markDefaultStorageClass(String storageClass, boolean isDefault) {
    namespace
        .kube()
        .storage()
        .v1()
        .storageClasses()
        .withName(storageClass)
        .edit(
            edited -> {
              edited
                  .getMetadata()
                  .setAnnotations(
                      Map.of(
                          "storageclass.kubernetes.io/is-default-class",
                          Boolean.toString(isDefault)));
              return edited;
            });
  }

  /** Plays the volume binder, which 1.20 without controller-manager lacks: the claim is Bound. */
  void playVolumeBinder(String registry) {
    String claim = RegistryNames.of(registry).claim();
    TestNamespace.await("claim " + claim + " to be bound")
        .ignoreException(KubernetesClientException.class)
        .until(
            () -> {
              PersistentVolumeClaim current = namespace.get(PersistentVolumeClaim.class, claim);
              current.getStatus().setPhase("Bound");
              current.getStatus().setCapacity(current.getSpec().getResources().getRequests());
              namespace.kube().resource(current).updateStatus();
              return true;
            });
    // The binding changes the registry's status.storage: wait for that write, so that a test's
    // next change is judged on its own.
    TestNamespace.await("the registry's status to show claim " + claim + " bound")
        .until(
            () -> {
              StorageStatus storage = namespace.registry(registry).getStatus().storage;
              return storage != null && "Bound".equals(storage.phase) && storage.capacity != null;
            });
  }

  /** The HTTP code the API server answers to the test growing the claim itself. */
  int growDirectly(PersistentVolumeClaim claim, String size) {
    try {
      namespace
          .kube()
          .persistentVolumeClaims()
          .inNamespace(namespace.name())
          .withName(claim.getMetadata().getName())
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"" + size + "\"}}}}");
      return 200;
    } catch (KubernetesClientException refused) {
      System.out.printf(
          "[it] growing a %s claim: %d %s%n",
          claim.getStatus().getPhase(),
          refused.getCode(),
          refused.getStatus() == null ? "" : refused.getStatus().getMessage());
      return refused.getCode();
    }
  }
}
