package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The optional NetworkPolicy on a real API server, SSA on: what it selects and admits, that it
 * follows the spec (on, off, removed), that an edit by someone else is undone, and that a peer the
 * API server would refuse is answered as the user's mistake. The API server stores and validates
 * NetworkPolicies; nothing here enforces them (no network plugin), so what traffic they stop is not
 * shown here.
 */
class NetworkPolicyIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final String API_VERSION = PrivateRegistry.GROUP + "/" + PrivateRegistry.VERSION;
  private static final Duration SETTLED = Duration.ofSeconds(2);

  @RegisterExtension
  @Order(OperatorUnderTest.AFTER_THE_SERVER)
  static final OperatorUnderTest operator = OperatorUnderTest.forEveryTest(API);

  private TestNamespace namespace;

  @BeforeEach
  void newNamespace() {
    namespace = TestNamespace.create(API, "netpol");
  }

  @Test
  void thePolicySelectsExactlyThisRegistrysPodsAndAdmitsOnlyTheProxyPort() {
    GenericKubernetesResource demo =
        namespace.create(
            manifest(
                "demo",
                """
                metadata:
                  labels:
                    app.kubernetes.io/instance: argo-app
                spec:
                  proxy:
                    port: 16000
                  networkPolicy: {}
                """));
    namespace.create(manifest("demo-2", "spec: {}"));
    RegistryNames names = RegistryNames.of("demo");

    NetworkPolicy policy = namespace.awaitPresent(NetworkPolicy.class, names.networkPolicy());
    Deployment deployment = namespace.awaitPresent(Deployment.class, names.deployment());
    Deployment otherDeployment = namespace.awaitPresent(Deployment.class, "demo-2");

    TestNamespace.assertControlledBy(policy, demo, API_VERSION, "PrivateRegistry");
    assertThat(policy.getMetadata().getLabels())
        .as("labels of the NetworkPolicy")
        .containsOnlyKeys(Labels.NAME, Labels.COMPONENT, Labels.MANAGED_BY, Labels.REGISTRY);
    LabelSelector selector = policy.getSpec().getPodSelector();
    assertThat(selector.getMatchExpressions()).as("podSelector expressions").isNullOrEmpty();
    assertThat(selector.getMatchLabels())
        .as("podSelector of the policy against the Deployment's selector")
        .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
    assertThat(selects(selector, podLabels(deployment)))
        .as("the policy selects the pods of registry demo, labelled %s", podLabels(deployment))
        .isTrue();
    assertThat(selects(selector, podLabels(otherDeployment)))
        .as(
            "the policy selects the pods of registry demo-2, labelled %s",
            podLabels(otherDeployment))
        .isFalse();

    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
    assertThat(policy.getSpec().getEgress()).as("egress rules").isNullOrEmpty();
    ContainerPort https = containerPort(deployment, "https");
    assertThat(policy.getSpec().getIngress())
        .as("ingress rules of the policy")
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getFrom()).as("sources: none named, every one").isNullOrEmpty();
              assertThat(rule.getPorts())
                  .singleElement()
                  .satisfies(
                      port -> {
                        assertThat(port.getProtocol()).isEqualTo("TCP");
                        assertThat(port.getPort())
                            .as("admitted port against the proxy container's port")
                            .isEqualTo(new IntOrString(https.getContainerPort()))
                            .isEqualTo(new IntOrString(16000));
                      });
            });
    assertThat(
            namespace
                .kube()
                .network()
                .v1()
                .networkPolicies()
                .inNamespace(namespace.name())
                .list()
                .getItems())
        .as("NetworkPolicies in the namespace: demo-2 asked for none")
        .extracting(item -> item.getMetadata().getName())
        .containsExactly(names.networkPolicy());
  }

  @Test
  void anEditIsUndoneAndSwitchingOffOrRemovingTheFieldDeletesThePolicy() {
    namespace.create(
        manifest(
            "demo",
            """
            spec:
              networkPolicy:
                from:
                  - namespaceSelector: {matchLabels: {team: a}}
                metricsFrom:
                  - podSelector: {matchLabels: {app: prometheus}}
                    namespaceSelector: {}
            """));
    RegistryNames names = RegistryNames.of("demo");
    NetworkPolicy rendered = namespace.awaitPresent(NetworkPolicy.class, names.networkPolicy());
    namespace.awaitReady("demo", "DeploymentUnavailable");
    operator.awaitQuiet(namespace, SETTLED);
    rendered = namespace.get(NetworkPolicy.class, names.networkPolicy());
    List<NetworkPolicyIngressRule> renderedRules = rendered.getSpec().getIngress();
    assertThat(renderedRules)
        .as("rules: the proxy port from team a, the metrics port from prometheus")
        .extracting(rule -> rule.getPorts().get(0).getPort().getIntVal())
        .containsExactly(15000, 9091);

    // Someone opens every port to everyone, the way kubectl edit would.
    NetworkPolicy opened = namespace.get(NetworkPolicy.class, names.networkPolicy());
    opened.getSpec().getIngress().add(new NetworkPolicyIngressRule());
    namespace.kube().resource(opened).update();
    TestNamespace.await("the operator to undo the rule admitting everything")
        .until(
            () ->
                renderedRules.equals(
                    namespace
                        .get(NetworkPolicy.class, names.networkPolicy())
                        .getSpec()
                        .getIngress()));

    // Someone changes the admitted port.
    long mark = operator.requests().mark();
    NetworkPolicy moved = namespace.get(NetworkPolicy.class, names.networkPolicy());
    NetworkPolicyPort port = moved.getSpec().getIngress().get(0).getPorts().get(0);
    port.setPort(new IntOrString(5000));
    namespace.kube().resource(moved).update();
    TestNamespace.await("the operator to restore the admitted port")
        .until(
            () ->
                renderedRules.equals(
                    namespace
                        .get(NetworkPolicy.class, names.networkPolicy())
                        .getSpec()
                        .getIngress()));
    assertThat(operator.requests().writesSince(mark, namespace.name()))
        .as("the operator's writes after the port was changed")
        .contains(
            "PATCH /apis/networking.k8s.io/v1/namespaces/"
                + namespace.name()
                + "/networkpolicies/"
                + names.networkPolicy()
                + " -> 200");

    editSpec("demo", "{\"networkPolicy\":{\"enabled\":false}}");
    awaitAbsent(names.networkPolicy(), "after networkPolicy.enabled: false");
    namespace.awaitReady("demo", "DeploymentUnavailable");

    editSpec("demo", "{\"networkPolicy\":{\"enabled\":true}}");
    NetworkPolicy back = namespace.awaitPresent(NetworkPolicy.class, names.networkPolicy());
    assertThat(back.getSpec().getIngress())
        .as("rules of the policy switched on again, from the peers kept in the spec")
        .isEqualTo(renderedRules);

    editSpec("demo", "{\"networkPolicy\":null}");
    awaitAbsent(names.networkPolicy(), "after spec.networkPolicy was removed");
    PrivateRegistry registry = namespace.awaitReady("demo", "DeploymentUnavailable");
    assertThat(registry.getSpec().networkPolicy).isNull();
  }

  /**
   * A selector beside an ipBlock is refused by the API server in a NetworkPolicy. Where the server
   * has CEL (1.25 and newer) the CRD's rule refuses it in the registry already; on 1.20 the
   * reconciler reports it, and applies nothing.
   */
  @Test
  void aPeerTheServerWouldRefuseIsAnsweredAtApplyOrByTheReconciler() {
    String mistake =
        """
        spec:
          networkPolicy:
            from:
              - ipBlock: {cidr: 10.0.0.0/8}
                podSelector: {}
        """;
    String message = "A peer needs a podSelector, a namespaceSelector or both, or else an ipBlock";
    long mark = operator.requests().mark();
    if (API.version().atLeast(1, 25)) {
      assertThatThrownBy(() -> namespace.create(manifest("demo", mistake)))
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> {
                assertThat(e.getCode()).as("HTTP status of " + e.getMessage()).isEqualTo(422);
                assertThat(e.getMessage()).contains(message);
              });
    } else {
      namespace.create(manifest("demo", mistake));
      PrivateRegistry reported = namespace.awaitReady("demo", "InvalidSpec");
      assertThat(TestNamespace.ready(reported).orElseThrow().getMessage())
          .startsWith("spec.networkPolicy.from[0]")
          .contains(message);
      assertThat(networkPolicyWritesSince(mark)).as("NetworkPolicy writes").isEmpty();
    }
  }

  /**
   * A CIDR no server takes passes every schema (CEL learnt CIDRs only in 1.31): the reconciler
   * reports it, and a policy already in place stays as it was - a bad edit does not open the
   * registry.
   */
  @Test
  void aBadCidrOnALiveRegistryIsReportedAndThePolicyInPlaceStays() {
    namespace.create(
        manifest(
            "demo",
            """
            spec:
              networkPolicy:
                from:
                  - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
            """));
    RegistryNames names = RegistryNames.of("demo");
    namespace.awaitPresent(NetworkPolicy.class, names.networkPolicy());
    namespace.awaitReady("demo", "DeploymentUnavailable");
    operator.awaitQuiet(namespace, SETTLED);
    NetworkPolicy before = namespace.get(NetworkPolicy.class, names.networkPolicy());
    long mark = operator.requests().mark();

    editSpec("demo", "{\"networkPolicy\":{\"from\":[{\"ipBlock\":{\"cidr\":\"10.0.0.0/33\"}}]}}");

    PrivateRegistry reported = namespace.awaitReady("demo", "InvalidSpec");
    assertThat(TestNamespace.ready(reported).orElseThrow().getMessage())
        .isEqualTo(
            "spec.networkPolicy.from[0].ipBlock.cidr is not a CIDR (such as 10.0.0.0/8 or"
                + " fd00::/8).");
    operator.awaitQuiet(namespace, SETTLED);
    assertThat(namespace.get(NetworkPolicy.class, names.networkPolicy()).getMetadata())
        .as("the policy in place")
        .satisfies(
            metadata ->
                assertThat(metadata.getResourceVersion())
                    .isEqualTo(before.getMetadata().getResourceVersion()));
    assertThat(networkPolicyWritesSince(mark)).as("NetworkPolicy writes").isEmpty();
  }

  private void awaitAbsent(String name, String when) {
    TestNamespace.await("NetworkPolicy " + namespace.name() + "/" + name + " to go " + when)
        .until(() -> namespace.get(NetworkPolicy.class, name) == null);
  }

  private List<String> networkPolicyWritesSince(long mark) {
    return operator
        .requests()
        .since(mark, request -> request.isWrite() && request.path().contains("/networkpolicies"))
        .stream()
        .map(ApiRequestLog.Request::toString)
        .toList();
  }

  /** A JSON merge patch of the registry's spec, as kubectl patch would send it. */
  private void editSpec(String registry, String specMergePatch) {
    namespace
        .kube()
        .resources(PrivateRegistry.class)
        .inNamespace(namespace.name())
        .withName(registry)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":" + specMergePatch + "}");
  }

  private static String manifest(String name, String rest) {
    String head =
        """
        apiVersion: %s
        kind: PrivateRegistry
        metadata:
          name: %s
        """
            .formatted(API_VERSION, name);
    // A manifest's own metadata block continues the head's.
    return rest.startsWith("metadata:\n")
        ? head + rest.substring("metadata:\n".length())
        : head + rest;
  }

  /** A selector of matchLabels only selects the labels that contain all of them. */
  private static boolean selects(LabelSelector selector, Map<String, String> labels) {
    return labels.entrySet().containsAll(selector.getMatchLabels().entrySet());
  }

  private static Map<String, String> podLabels(Deployment deployment) {
    return deployment.getSpec().getTemplate().getMetadata().getLabels();
  }

  private static ContainerPort containerPort(Deployment deployment, String name) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
        .flatMap(container -> container.getPorts().stream())
        .filter(port -> name.equals(port.getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no container port named " + name));
  }
}
