package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistrySpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CRDs in crds/ as a real API server enforces them: defaults and validation are the schema's
 * job (the operator never writes spec), so they are tested where the schema is applied. Objects are
 * sent as YAML, which can carry values the Java model cannot express.
 */
class CrdSchemaIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final AtomicInteger NAMES = new AtomicInteger();
  private static TestNamespace namespace;

  @BeforeAll
  static void createNamespace() {
    namespace = TestNamespace.create(API, "schema");
  }

  @Test
  void bothCrdsAreInstalledAndEstablished() {
    assertThat(API.crdNames())
        .contains("privateregistries.registryoperator.dev", "registryusers.registryoperator.dev");
    for (String name : API.crdNames()) {
      CustomResourceDefinition crd =
          API.client().apiextensions().v1().customResourceDefinitions().withName(name).get();
      assertThat(RealApiServer.established(crd)).as(name + " Established").isTrue();
      assertThat(crd.getSpec().getVersions())
          .singleElement()
          .satisfies(version -> assertThat(version.getSubresources().getStatus()).isNotNull());
    }
  }

  @Test
  void aRegistryWithOnlyRequiredFieldsGetsTheSchemaDefaults() {
    GenericKubernetesResource created = createRegistry("spec: {}");

    assertThat((Object) created.get("spec", "image")).isEqualTo("registry:2.8.3");
    assertThat((Object) created.get("spec", "storage", "size")).isEqualTo("10Gi");
    assertThat((Object) created.get("spec", "storage", "deleteClaim")).isEqualTo(false);
    assertThat((Object) created.get("spec", "storage", "accessModes"))
        .isEqualTo(List.of("ReadWriteOnce"));
    assertThat((Object) created.get("spec", "proxy", "port")).isEqualTo(15000);
    assertThat((Object) created.get("spec", "proxy", "readTimeoutSeconds")).isEqualTo(600);
    assertThat((Object) created.get("spec", "proxy", "maxBodySize")).isEqualTo("0");
    assertThat((Object) created.get("spec", "auth", "mode")).isEqualTo("Basic");
    assertThat((Object) created.get("spec", "auth", "bcryptCost")).isEqualTo(10);
    assertThat((Object) created.get("spec", "auth", "realm")).isEqualTo("Registry");
    assertThat((Object) created.get("spec", "service", "type")).isEqualTo("ClusterIP");
    assertThat((Object) created.get("spec", "tls", "validityDays")).isEqualTo(365);
    assertThat((Object) created.get("spec", "tls", "renewBeforeDays")).isEqualTo(30);
    assertThat((Object) created.get("spec", "ingress")).as("no Ingress unless asked for").isNull();
    assertThat((Object) created.get("spec", "networkPolicy"))
        .as("no NetworkPolicy unless asked for")
        .isNull();
  }

  @Test
  void anEmptyNetworkPolicyIsSwitchedOn() {
    GenericKubernetesResource created = createRegistry("spec: {networkPolicy: {}}");

    assertThat((Object) created.get("spec", "networkPolicy", "enabled")).isEqualTo(true);
  }

  /**
   * An empty list of peers would render a rule that admits every source; the schema refuses it, as
   * it refuses an unknown selector operator and an ipBlock without its range.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "spec: {networkPolicy: {from: []}}",
        "spec: {networkPolicy: {metricsFrom: []}}",
        "spec: {networkPolicy: {from: [{podSelector: {matchExpressions: [{key: a, operator: Like}]}}]}}",
        "spec: {networkPolicy: {from: [{ipBlock: {except: [10.0.0.0/8]}}]}}",
        "spec: {networkPolicy: {enabled: maybe}}"
      })
  void networkPolicyPeersTheSchemaCannotTakeAreRejected(String specYaml) {
    assertThatThrownBy(() -> createRegistry(specYaml))
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).as("HTTP status of " + e.getMessage()).isEqualTo(422);
              assertThat(e.getStatus().getDetails().getCauses())
                  .as("causes of " + e.getMessage())
                  // Current servers add a cause without a field: rules not checked.
                  .anySatisfy(
                      cause -> assertThat(cause.getField()).startsWith("spec.networkPolicy."));
            });
  }

  /**
   * The Java initializers promise the schema's defaults; a drift would render differently in tests.
   */
  @Test
  void schemaDefaultsEqualTheJavaModelDefaults() {
    GenericKubernetesResource created = createRegistry("spec: {}");
    KubernetesSerialization json = API.client().getKubernetesSerialization();

    Map<?, ?> defaultedByServer = json.convertValue(created.get("spec"), Map.class);
    Map<?, ?> defaultedInJava = json.convertValue(new PrivateRegistrySpec(), Map.class);

    assertThat(defaultedByServer).isEqualTo(defaultedInJava);
    assertThat(json.convertValue(created, PrivateRegistry.class).getSpec().storage.size)
        .isEqualTo("10Gi");
  }

  @Test
  void partialObjectsAreCompletedNotReplaced() {
    GenericKubernetesResource created =
        createRegistry(
            """
            spec:
              proxy:
                port: 16000
              storage:
                deleteClaim: true
            """);

    assertThat((Object) created.get("spec", "proxy", "port")).isEqualTo(16000);
    assertThat((Object) created.get("spec", "proxy", "readTimeoutSeconds")).isEqualTo(600);
    assertThat((Object) created.get("spec", "storage", "deleteClaim")).isEqualTo(true);
    assertThat((Object) created.get("spec", "storage", "size")).isEqualTo("10Gi");
  }

  @Test
  void aRegistryUserGetsItsDefaults() {
    GenericKubernetesResource created =
        namespace.create(
            """
            apiVersion: registryoperator.dev/v1alpha1
            kind: RegistryUser
            metadata:
              name: %s
            spec:
              registryRef: demo
              passwordSecretRef:
                name: alice-password
            """
                .formatted(uniqueName("user")));

    assertThat((Object) created.get("spec", "pullSecret")).isEqualTo(true);
    assertThat((Object) created.get("spec", "passwordSecretRef", "key")).isEqualTo("password");
  }

  @ParameterizedTest
  @ValueSource(strings = {"alice", "ci-bot@example.com", "Bob.Builder_2", "ünïcødé", "a#b"})
  void acceptableUsernamesAreAccepted(String username) {
    GenericKubernetesResource created =
        createUser(Map.of("registryRef", "demo", "username", username));

    assertThat((Object) created.get("spec", "username")).isEqualTo(username);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"bad:name", "has space", "#comment", "tab\tname", "new\nline", "bell\u0007", ""})
  void usernamesHtpasswdCannotCarryAreRejected(String username) {
    assertRejected(
        () -> createUser(Map.of("registryRef", "demo", "username", username)), "spec.username");
  }

  @Test
  void aUserWithoutRegistryRefIsRejected() {
    assertRejected(() -> createUser(Map.of("username", "alice")), "spec.registryRef");
  }

  @Test
  void anUnknownAuthModeIsRejected() {
    assertRejected(() -> createRegistry("spec: {auth: {mode: Digest}}"), "spec.auth.mode");
  }

  @Test
  void everyAuthModeIsAccepted() {
    createRegistry("spec: {auth: {mode: Basic}}");
    createRegistry("spec: {auth: {mode: Token, tokenLifetimeSeconds: 60}}");
    createRegistry(
        "spec: {auth: {mode: ExternalToken, externalToken: {realm: \"https://auth.example.com/token\","
            + " service: registry, issuer: docker_auth, certificateSecret: auth-certs}}}");
  }

  @Test
  void anUnknownActionOrAnEmptyAccessEntryIsRejected() {
    assertRejected(
        () -> createUserWithAccess(List.of("team-a/*"), List.of("fly")),
        API.version().atLeast(1, 25) ? "spec.access[0].actions[0]" : "spec.access.actions");
    assertRejected(
        () -> createUserWithAccess(List.of(), List.of("pull")),
        API.version().atLeast(1, 25) ? "spec.access[0].repositories" : "spec.access.repositories");
  }

  /** Repository patterns are a schema pattern on the list items: refused at apply everywhere. */
  @Test
  void aMalformedRepositoryPatternIsRefused() {
    assertRejected(
        () -> createUserWithAccess(List.of("Team-A/*"), List.of("pull")),
        API.version().atLeast(1, 25)
            ? "spec.access[0].repositories[0]"
            : "spec.access.repositories");
    assertRejected(
        () -> createRegistry("spec: {auth: {anonymousPull: [\"/public\"]}}"),
        API.version().atLeast(1, 25) ? "spec.auth.anonymousPull[0]" : "spec.auth.anonymousPull");
  }

  @Test
  void anUnknownServiceTypeIsRejected() {
    assertRejected(
        () -> createRegistry("spec: {service: {type: ExternalName}}"), "spec.service.type");
  }

  @Test
  void negativeOrTooSmallPortsAreRejected() {
    assertRejected(() -> createRegistry("spec: {proxy: {port: -1}}"), "spec.proxy.port");
    assertRejected(() -> createRegistry("spec: {proxy: {port: 80}}"), "spec.proxy.port");
    assertRejected(
        () -> createRegistry("spec: {service: {type: NodePort, nodePort: -30500}}"),
        "spec.service.nodePort");
  }

  @Test
  void negativeOrMalformedSizesAreRejected() {
    assertRejected(() -> createRegistry("spec: {storage: {size: \"-5Gi\"}}"), "spec.storage.size");
    assertRejected(() -> createRegistry("spec: {storage: {size: \"10G\"}}"), "spec.storage.size");
    assertRejected(() -> createRegistry("spec: {storage: {size: \"0Gi\"}}"), "spec.storage.size");
    assertRejected(
        () -> createRegistry("spec: {proxy: {maxBodySize: \"-1\"}}"), "spec.proxy.maxBodySize");
  }

  @Test
  void anIssuerRefIsDefaultedToACertManagerIssuerAndNeedsAName() {
    GenericKubernetesResource created = createRegistry("spec: {tls: {issuerRef: {name: team-ca}}}");

    assertThat((Object) created.get("spec", "tls", "issuerRef", "kind")).isEqualTo("Issuer");
    assertThat((Object) created.get("spec", "tls", "issuerRef", "group"))
        .isEqualTo("cert-manager.io");
    assertRejected(
        () -> createRegistry("spec: {tls: {issuerRef: {kind: ClusterIssuer}}}"),
        "spec.tls.issuerRef.name");
    assertRejected(
        () -> createRegistry("spec: {tls: {issuerRef: {name: team-ca, kind: Vault}}}"),
        "spec.tls.issuerRef.kind");
  }

  @Test
  void anIngressWithoutHostIsRejected() {
    assertRejected(
        () -> createRegistry("spec: {ingress: {className: nginx}}"), "spec.ingress.host");
  }

  /**
   * Cross-field checks are CEL rules ({@code x-kubernetes-validations}) in the CRD and also checks
   * in RegistryValidation. A server with CEL (1.25 and newer) refuses the object at apply with the
   * rule's message, naming the field; 1.20 does not know the rules, drops them from the stored CRD
   * and accepts the object - there the reconciler reports it (see
   * PrivateRegistryIT#aCrossFieldMistakeIsAnsweredAtApplyOrByTheReconciler).
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "spec: {service: {nodePort: 30500}}"
            + " | spec.service.nodePort"
            + " | spec.service.nodePort needs spec.service.type NodePort or LoadBalancer.",
        "spec: {storage: {existingClaim: shared-data, deleteClaim: true}}"
            + " | spec.storage.deleteClaim"
            + " | spec.storage.deleteClaim cannot be true with spec.storage.existingClaim",
        "spec: {tls: {validityDays: 30, renewBeforeDays: 30}}"
            + " | spec.tls.renewBeforeDays"
            + " | spec.tls.renewBeforeDays must be less than spec.tls.validityDays",
        "spec: {tls: {renewBeforeDays: 400}}"
            + " | spec.tls.renewBeforeDays"
            + " | spec.tls.renewBeforeDays must be less than spec.tls.validityDays",
        "spec: {tls: {secretName: own-cert, issuerRef: {name: team-ca}}}"
            + " | spec.tls.issuerRef"
            + " | spec.tls.secretName and spec.tls.issuerRef exclude each other",
        "spec: {proxy: {port: 9091}}"
            + " | spec.proxy.port"
            + " | spec.proxy.port cannot be 9091: the proxy serves the registry's metrics",
        "spec: {auth: {mode: ExternalToken}}"
            + " | spec.auth.externalToken"
            + " | spec.auth.mode ExternalToken needs spec.auth.externalToken.",
        "spec: {networkPolicy: {from: [{}]}}"
            + " | spec.networkPolicy.from[0]"
            + " | A peer needs a podSelector, a namespaceSelector or both, or else an ipBlock",
        "spec: {networkPolicy: {metricsFrom: [{ipBlock: {cidr: 10.0.0.0/8}, namespaceSelector: {}}]}}"
            + " | spec.networkPolicy.metricsFrom[0]"
            + " | A peer needs a podSelector, a namespaceSelector or both, or else an ipBlock",
        "spec: {networkPolicy: {from: [{podSelector: {matchExpressions: [{key: a, operator: In}]}}]}}"
            + " | spec.networkPolicy.from[0].podSelector.matchExpressions[0]"
            + " | In and NotIn need values; Exists and DoesNotExist take none."
      })
  void crossFieldMistakesAreRefusedWithTheRulesMessageWhereTheServerHasCel(
      String specYaml, String field, String message) {
    if (API.version().atLeast(1, 25)) {
      assertRejected(() -> createRegistry(specYaml), field, message);
    } else {
      // 1.20: no CEL. The object is stored; RegistryValidation answers in the status instead.
      assertThat(createRegistry(specYaml).getMetadata().getUid()).isNotNull();
    }
  }

  @Test
  void validObjectsNearTheRulesAreAccepted() {
    createRegistry("spec: {service: {type: NodePort, nodePort: 30501}}");
    createRegistry("spec: {service: {type: LoadBalancer, nodePort: 30502}}");
    createRegistry("spec: {storage: {existingClaim: shared-data}}");
    createRegistry("spec: {storage: {deleteClaim: true}}");
    createRegistry("spec: {tls: {validityDays: 30, renewBeforeDays: 29}}");
    createRegistry("spec: {tls: {issuerRef: {name: team-ca}}}");
    createRegistry(
        """
        spec:
          networkPolicy:
            from:
              - namespaceSelector: {}
              - podSelector: {matchExpressions: [{key: tier, operator: Exists}]}
              - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
            metricsFrom:
              - podSelector: {matchLabels: {app: prometheus}}
                namespaceSelector: {matchLabels: {team: monitoring}}
        """);
  }

  /**
   * The CRD files carry the rules; 1.20's apiextensions API has no such field and drops it when the
   * CRD is stored (so the same crds/ installs on both), a current server keeps all four.
   */
  @Test
  void theStoredRegistryCrdKeepsItsCelRulesOnlyWhereTheServerKnowsThem() {
    CustomResourceDefinition crd =
        API.client()
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName("privateregistries.registryoperator.dev")
            .get();
    var spec =
        crd.getSpec()
            .getVersions()
            .get(0)
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec")
            .getProperties();
    List<Object> rules =
        Stream.of("service", "storage", "tls")
            .flatMap(
                part ->
                    Optional.ofNullable(spec.get(part).getXKubernetesValidations())
                        .orElse(List.of())
                        .stream())
            .map(rule -> (Object) rule.getRule())
            .toList();
    if (API.version().atLeast(1, 25)) {
      assertThat(rules).hasSize(4);
    } else {
      assertThat(rules).as("1.20 prunes x-kubernetes-validations").isEmpty();
    }
  }

  private static GenericKubernetesResource createRegistry(String specYaml) {
    return namespace.create(
        """
        apiVersion: registryoperator.dev/v1alpha1
        kind: PrivateRegistry
        metadata:
          name: %s
        """
                .formatted(uniqueName("registry"))
            + specYaml);
  }

  private static GenericKubernetesResource createUser(Map<String, Object> spec) {
    GenericKubernetesResource user =
        namespace.parse(
            """
            apiVersion: registryoperator.dev/v1alpha1
            kind: RegistryUser
            metadata:
              name: %s
            """
                .formatted(uniqueName("user")));
    user.setAdditionalProperty("spec", spec);
    return namespace.kube().resource(user).create();
  }

  /** A user of registry "demo" with one access entry. */
  private static GenericKubernetesResource createUserWithAccess(
      List<String> repositories, List<String> actions) {
    return createUser(
        Map.of(
            "registryRef",
            "demo",
            "access",
            List.of(Map.of("repositories", repositories, "actions", actions))));
  }

  /**
   * 422 Unprocessable Entity naming the offending field: the schema, not some other check, refused
   * it.
   */
  private static void assertRejected(ThrowingCallable create, String field) {
    assertRejected(create, field, "");
  }

  private static void assertRejected(ThrowingCallable create, String field, String message) {
    assertThatThrownBy(create)
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).as("HTTP status of " + e.getMessage()).isEqualTo(422);
              assertThat(e.getStatus().getDetails().getCauses())
                  .as("causes of " + e.getMessage())
                  .anySatisfy(
                      cause -> {
                        assertThat(cause.getField()).isEqualTo(field);
                        assertThat(cause.getMessage()).contains(message);
                      });
            });
  }

  private static String uniqueName(String prefix) {
    return prefix + "-" + NAMES.incrementAndGet();
  }
}
