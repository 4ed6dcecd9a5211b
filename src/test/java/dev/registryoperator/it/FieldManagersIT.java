package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.status.Conditions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Other field managers at work on what the operator made (people with kubectl, other controllers,
 * policy tools): a change of what the operator owns - the Deployment's replicas or image, the nginx
 * configuration, the htpasswd file - is undone with exactly one write; what others add and the
 * operator does not own - annotations, labels, a rollout restart, fields the operator leaves unset
 * - stays, costs no write, and survives the operator's next real update. {@link PrivateRegistryIT}
 * covers deleted children, a GitOps tool applying the registry itself, and 409s from concurrent
 * edits; these are the edits of the children.
 */
class FieldManagersIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final String REGISTRY = "demo";
  private static final RegistryNames NAMES = RegistryNames.of(REGISTRY);
  private static final Duration SETTLED = Duration.ofSeconds(2);

  @RegisterExtension
  @Order(OperatorUnderTest.AFTER_THE_SERVER)
  static final OperatorUnderTest operator = OperatorUnderTest.forEveryTest(API);

  private TestNamespace namespace;

  @BeforeEach
  void aSettledRegistryWithAUser() {
    namespace = TestNamespace.create(API, "field-managers");
    namespace.create(PrivateRegistryIT.registryManifest(REGISTRY, "spec: {}"));
    namespace.create(
        """
        apiVersion: %s
        kind: RegistryUser
        metadata:
          name: alice
        spec:
          registryRef: %s
        """
            .formatted(PrivateRegistryIT.API_VERSION, REGISTRY));
    TestNamespace.await("alice listed in the htpasswd file and Ready")
        .until(
            () -> {
              RegistryUser alice = namespace.get(RegistryUser.class, "alice");
              return htpasswd().contains("alice:")
                  && alice.getStatus() != null
                  && Conditions.isTrue(alice.getStatus().conditions, Conditions.READY);
            });
    namespace.awaitReady(REGISTRY, "DeploymentUnavailable");
    operator.awaitQuiet(namespace, SETTLED);
  }

  @Test
  void whatTheOperatorOwnsIsRestoredWithOneWriteEach() {
    String deployment = path("apis/apps/v1", "deployments", NAMES.deployment());
    String config = path("api/v1", "configmaps", NAMES.configMap());
    String htpasswdSecret = path("api/v1", "secrets", NAMES.htpasswdSecret());

    // kubectl scale: a second replica on a ReadWriteOnce claim would not start.
    restoredWithOneWrite(
        "replicas scaled to 3 by kubectl-scale",
        () -> registryDeployment().getSpec().getReplicas(),
        () ->
            mergePatch(
                Deployment.class,
                NAMES.deployment(),
                "kubectl-scale",
                "{\"spec\":{\"replicas\":3}}"),
        deployment);
    // Another controller forcing its image onto the registry container with server-side apply.
    restoredWithOneWrite(
        "registry image replaced by an intruder's server-side apply",
        () -> registryDeployment().getSpec().getTemplate().getSpec().getContainers().toString(),
        () ->
            namespace.apply(
                "intruder",
                """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: %s
                spec:
                  template:
                    spec:
                      containers:
                        - name: registry
                          image: example.test/not-the-registry:1
                """
                    .formatted(NAMES.deployment())),
        deployment);
    restoredWithOneWrite(
        "nginx.conf edited with kubectl edit",
        () -> namespace.get(ConfigMap.class, NAMES.configMap()).getData().get(Keys.NGINX_CONFIG),
        () ->
            mergePatch(
                ConfigMap.class,
                NAMES.configMap(),
                "kubectl-edit",
                "{\"data\":{\"" + Keys.NGINX_CONFIG + "\":\"events {}\\n# edited by hand\\n\"}}"),
        config);
    // A line someone slips into the htpasswd file would let them in.
    String withMallory =
        htpasswd() + "mallory:$2y$05$abcdefghijklmnopqrstuu5Hn2A0tAuUjkV2rBPFg5MNkYjv1cVfu\n";
    restoredWithOneWrite(
        "a user added to the htpasswd file by hand",
        this::htpasswd,
        () ->
            mergePatch(
                Secret.class,
                NAMES.htpasswdSecret(),
                "kubectl-edit",
                "{\"data\":{\""
                    + Keys.HTPASSWD
                    + "\":\""
                    + SecretData.encode(Map.of(Keys.HTPASSWD, withMallory)).get(Keys.HTPASSWD)
                    + "\"}}"),
        htpasswdSecret);
  }

  @Test
  void whatOthersAddStaysCostsNoWriteAndSurvivesTheOperatorsNextUpdate()
      throws InterruptedException {
    PrivateRegistry registry = namespace.registry(REGISTRY);
    long mark = operator.requests().mark();

    // A cost-allocation tool labels and annotates everything; a person restarts the rollout;
    // a platform team caps the Deployment's history and gives it a progress deadline.
    String tooling = "team-tooling";
    String marks =
        "{\"metadata\":{\"labels\":{\"example.test/cost-center\":\"42\"},"
            + "\"annotations\":{\"example.test/owner\":\"team-a\"}}}";
    mergePatch(ConfigMap.class, NAMES.configMap(), tooling, marks);
    mergePatch(Secret.class, NAMES.htpasswdSecret(), tooling, marks);
    mergePatch(Deployment.class, NAMES.deployment(), tooling, marks);
    mergePatch(
        Deployment.class,
        NAMES.deployment(),
        "kubectl-rollout",
        "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":"
            + "{\"kubectl.kubernetes.io/restartedAt\":\"2026-11-30T12:00:00Z\"}}}}}");
    namespace.apply(
        "platform-team",
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: %s
        spec:
          revisionHistoryLimit: 3
          progressDeadlineSeconds: 120
        """
            .formatted(NAMES.deployment()));

    // Each change above was an event for the operator; three more reconciles on top.
    ConfigMap trigger = namespace.createReconcileTrigger(registry);
    for (int round = 1; round <= 3; round++) {
      Thread.sleep(2_000);
      trigger = namespace.pullTrigger(trigger, round);
    }
    operator.awaitQuiet(namespace, SETTLED);
    assertThat(operator.requests().writesSince(mark, namespace.name()))
        .as("the operator's writes while other managers added what it does not own")
        .isEmpty();
    assertOthersFieldsStay("before the operator's next update");

    // A real change: the operator rewrites the configuration and rolls the pod template.
    long changed = operator.requests().mark();
    editSpec("{\"proxy\":{\"readTimeoutSeconds\":901}}");
    TestNamespace.await("the new read timeout in nginx.conf")
        .until(
            () ->
                namespace
                    .get(ConfigMap.class, NAMES.configMap())
                    .getData()
                    .get(Keys.NGINX_CONFIG)
                    .contains("proxy_read_timeout 901s;"));
    operator.awaitQuiet(namespace, SETTLED);
    assertThat(operator.requests().writesSince(changed, namespace.name()))
        .as("the operator's writes for the new read timeout")
        .contains(
            "PUT " + path("api/v1", "configmaps", NAMES.configMap()) + " -> 200",
            "PATCH " + path("apis/apps/v1", "deployments", NAMES.deployment()) + " -> 200")
        .noneMatch(write -> write.contains("/secrets/"));
    assertOthersFieldsStay("after the operator's update");
  }

  private void assertOthersFieldsStay(String when) {
    for (HasMetadata marked :
        List.of(
            namespace.get(ConfigMap.class, NAMES.configMap()),
            namespace.get(Secret.class, NAMES.htpasswdSecret()),
            registryDeployment())) {
      String what = marked.getKind() + " " + marked.getMetadata().getName() + " " + when;
      assertThat(marked.getMetadata().getLabels())
          .as("labels of %s", what)
          .containsEntry("example.test/cost-center", "42");
      assertThat(marked.getMetadata().getAnnotations())
          .as("annotations of %s", what)
          .containsEntry("example.test/owner", "team-a");
    }
    Deployment deployment = registryDeployment();
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .as("pod template annotations %s (kubectl rollout restart)", when)
        .containsEntry("kubectl.kubernetes.io/restartedAt", "2026-11-30T12:00:00Z");
    assertThat(deployment.getSpec().getRevisionHistoryLimit())
        .as("revisionHistoryLimit set by platform-team %s", when)
        .isEqualTo(3);
    assertThat(deployment.getSpec().getProgressDeadlineSeconds())
        .as("progressDeadlineSeconds set by platform-team %s", when)
        .isEqualTo(120);
  }

  /**
   * Makes the change and waits until the operator has put back what it owns; exactly one write of
   * that object, nothing else, and the value as before.
   */
  private void restoredWithOneWrite(
      String change, Supplier<Object> owned, Runnable makeChange, String objectPath) {
    Object before = owned.get();
    long mark = operator.requests().mark();
    makeChange.run();
    TestNamespace.await("the operator to undo: " + change).until(() -> before.equals(owned.get()));
    operator.awaitQuiet(namespace, SETTLED);
    List<String> writes =
        operator.requests().writesSince(mark, namespace.name()).stream()
            .filter(write -> !write.contains("/events"))
            .toList();
    assertThat(writes)
        .as("the operator's writes (Events aside) after %s", change)
        .singleElement()
        .satisfies(write -> assertThat(write).contains(" " + objectPath + " -> 200"));
    assertThat(owned.get()).as("after %s, once the operator is quiet", change).isEqualTo(before);
  }

  private void mergePatch(
      Class<? extends HasMetadata> type, String name, String fieldManager, String patch) {
    namespace
        .kube()
        .resources(type)
        .inNamespace(namespace.name())
        .withName(name)
        .patch(
            new PatchContext.Builder()
                .withPatchType(PatchType.JSON_MERGE)
                .withFieldManager(fieldManager)
                .build(),
            patch);
  }

  private Deployment registryDeployment() {
    return namespace.get(Deployment.class, NAMES.deployment());
  }

  private String htpasswd() {
    Secret secret = namespace.get(Secret.class, NAMES.htpasswdSecret());
    return secret == null ? "" : SecretData.decode(secret, Keys.HTPASSWD).orElse("");
  }

  private String path(String api, String plural, String name) {
    return "/" + api + "/namespaces/" + namespace.name() + "/" + plural + "/" + name;
  }

  /** A JSON merge patch of the registry's spec, as kubectl patch sends it. */
  private void editSpec(String specMergePatch) {
    mergePatch(
        PrivateRegistry.class, REGISTRY, "kubectl-patch", "{\"spec\":" + specMergePatch + "}");
  }
}
