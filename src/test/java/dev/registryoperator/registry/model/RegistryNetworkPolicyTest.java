package dev.registryoperator.registry.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.LabelSelectorSpec;
import dev.registryoperator.api.v1alpha1.NetworkPolicySpec;
import dev.registryoperator.api.v1alpha1.PeerSpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistrySpec;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RegistryNetworkPolicyTest {

  @Test
  void selectsExactlyThePodsOfTheRegistrysDeployment() {
    PrivateRegistry registry = withPolicy(policy -> {});
    LabelSelector selector = RegistryNetworkPolicy.render(registry).getSpec().getPodSelector();
    PrivateRegistry other = withPolicy(policy -> {});
    other.getMetadata().setName("demo-2");

    assertThat(selector.getMatchExpressions()).as("match expressions").isNullOrEmpty();
    assertThat(selector.getMatchLabels())
        .as("the policy selects what the Deployment selects")
        .isEqualTo(deployment(registry).getSpec().getSelector().getMatchLabels());
    assertThat(podLabels(registry))
        .as("labels of the registry's pods")
        .containsAllEntriesOf(selector.getMatchLabels());
    assertThat(podLabels(other).entrySet().containsAll(selector.getMatchLabels().entrySet()))
        .as("the policy selects the pods of registry demo-2 too")
        .isFalse();
  }

  @Test
  void byDefaultAdmitsTcpToTheProxyPortFromEverywhereAndNothingElse() {
    NetworkPolicy policy = RegistryNetworkPolicy.render(withPolicy(spec -> {}));

    assertThat(policy.getSpec().getPolicyTypes())
        .as("policy types: ingress only, the registry's own connections stay open")
        .containsExactly("Ingress");
    assertThat(policy.getSpec().getEgress()).as("egress rules").isNullOrEmpty();
    assertThat(policy.getSpec().getIngress())
        .as("ingress rules")
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getFrom()).as("sources: none named, so every one").isNullOrEmpty();
              assertThat(rule.getPorts())
                  .singleElement()
                  .satisfies(
                      port -> {
                        assertThat(port.getProtocol()).isEqualTo("TCP");
                        assertThat(port.getPort()).isEqualTo(new IntOrString(15000));
                        assertThat(port.getEndPort()).isNull();
                      });
            });
  }

  @Test
  void theAdmittedPortIsTheOneTheProxyContainerListensOnAndTheServiceTargets() {
    PrivateRegistry registry = withPolicy(policy -> {}, spec -> spec.proxy.port = 16000);
    NetworkPolicy policy = RegistryNetworkPolicy.render(registry);

    ContainerPort https = containerPort(registry, Ports.PROXY_PORT_NAME);
    assertThat(RegistryService.render(registry).getSpec().getPorts().get(0).getTargetPort())
        .as("the Service's target port")
        .isEqualTo(new IntOrString(Ports.PROXY_PORT_NAME));
    assertThat(policy.getSpec().getIngress().get(0).getPorts().get(0).getPort())
        .as("admitted port")
        .isEqualTo(new IntOrString(https.getContainerPort()))
        .isEqualTo(new IntOrString(16000));
  }

  @Test
  void namedPeersAreTheOnlySourcesOfTheProxyPortInTheirOrder() {
    NetworkPolicy policy =
        RegistryNetworkPolicy.render(
            withPolicy(
                spec ->
                    spec.from =
                        List.of(
                            podsLabelled("app", "ci"),
                            namespacesLabelled("team", "a"),
                            addresses("10.0.0.0/16", "10.0.5.0/24"))));

    NetworkPolicyIngressRule rule = policy.getSpec().getIngress().get(0);
    assertThat(rule.getFrom()).as("sources of the proxy port").hasSize(3);
    NetworkPolicyPeer pods = rule.getFrom().get(0);
    assertThat(pods.getPodSelector().getMatchLabels()).isEqualTo(Map.of("app", "ci"));
    assertThat(pods.getNamespaceSelector()).isNull();
    assertThat(pods.getIpBlock()).isNull();
    assertThat(rule.getFrom().get(1).getNamespaceSelector().getMatchLabels())
        .isEqualTo(Map.of("team", "a"));
    assertThat(rule.getFrom().get(2).getIpBlock())
        .satisfies(
            block -> {
              assertThat(block.getCidr()).isEqualTo("10.0.0.0/16");
              assertThat(block.getExcept()).containsExactly("10.0.5.0/24");
            });
    assertThat(policy.getSpec().getIngress()).as("rules without metricsFrom").hasSize(1);
  }

  @Test
  void theMetricsPortIsAdmittedOnlyFromMetricsFrom() {
    PrivateRegistry registry =
        withPolicy(spec -> spec.metricsFrom = List.of(namespacesLabelled("name", "monitoring")));
    NetworkPolicy policy = RegistryNetworkPolicy.render(registry);

    assertThat(policy.getSpec().getIngress()).as("ingress rules").hasSize(2);
    assertThat(policy.getSpec().getIngress().get(0).getFrom())
        .as("sources of the proxy port: still every one")
        .isNullOrEmpty();
    NetworkPolicyIngressRule metrics = policy.getSpec().getIngress().get(1);
    assertThat(metrics.getPorts())
        .singleElement()
        .satisfies(
            port -> {
              assertThat(port.getProtocol()).isEqualTo("TCP");
              assertThat(port.getPort())
                  .isEqualTo(
                      new IntOrString(
                          containerPort(registry, Ports.METRICS_PORT_NAME).getContainerPort()));
            });
    assertThat(metrics.getFrom())
        .singleElement()
        .satisfies(
            peer ->
                assertThat(peer.getNamespaceSelector().getMatchLabels())
                    .isEqualTo(Map.of("name", "monitoring")));
  }

  @Test
  void anEmptySelectorStaysEmptyAndSelectsEverything() {
    PeerSpec everyNamespace = new PeerSpec();
    everyNamespace.namespaceSelector = new LabelSelectorSpec();
    NetworkPolicy policy =
        RegistryNetworkPolicy.render(withPolicy(spec -> spec.from = List.of(everyNamespace)));

    assertThat(Serialization.asJson(policy.getSpec().getIngress().get(0).getFrom()))
        .isEqualTo("[{\"namespaceSelector\":{}}]");
  }

  @Test
  void isControlledByTheRegistryAndCarriesOnlyOurLabels() {
    PrivateRegistry registry = withPolicy(spec -> {});
    registry.getMetadata().setLabels(Map.of("app.kubernetes.io/instance", "argo-app"));
    registry.getMetadata().setAnnotations(Map.of("argocd.argoproj.io/sync-wave", "1"));
    NetworkPolicy policy = RegistryNetworkPolicy.render(registry);

    assertThat(policy.getMetadata().getName()).isEqualTo("demo");
    assertThat(policy.getMetadata().getNamespace()).isEqualTo("team-a");
    assertThat(policy.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getUid()).isEqualTo(Fixtures.UID);
              assertThat(owner.getController()).isTrue();
            });
    assertThat(policy.getMetadata().getLabels())
        .containsOnlyKeys(Labels.NAME, Labels.COMPONENT, Labels.MANAGED_BY, Labels.REGISTRY);
    assertThat(policy.getMetadata().getAnnotations()).isNullOrEmpty();
  }

  @Test
  void theRenderingSharesNothingWithTheRegistry() {
    PrivateRegistry registry = withPolicy(spec -> spec.from = List.of(podsLabelled("app", "ci")));
    String before = Serialization.asJson(registry);

    NetworkPolicy policy = RegistryNetworkPolicy.render(registry);
    policy.getSpec().getIngress().get(0).getFrom().get(0).getPodSelector().getMatchLabels().clear();

    assertThat(Serialization.asJson(registry))
        .as("the registry after its policy's selector was changed")
        .isEqualTo(before);
  }

  @Test
  void theSameInputRendersByteIdenticalJson() {
    Consumer<NetworkPolicySpec> peers =
        spec -> {
          spec.from = List.of(podsLabelled("b", "2"), addresses("fd00::/8", "fd00:1::/32"));
          spec.metricsFrom = List.of(namespacesLabelled("a", "1"));
        };

    assertThat(Serialization.asJson(RegistryNetworkPolicy.render(withPolicy(peers))))
        .isEqualTo(Serialization.asJson(RegistryNetworkPolicy.render(withPolicy(peers))));
  }

  private static PrivateRegistry withPolicy(Consumer<NetworkPolicySpec> customize) {
    return withPolicy(customize, spec -> {});
  }

  private static PrivateRegistry withPolicy(
      Consumer<NetworkPolicySpec> customizePolicy, Consumer<PrivateRegistrySpec> customizeSpec) {
    return Fixtures.registry(
        spec -> {
          spec.networkPolicy = new NetworkPolicySpec();
          customizePolicy.accept(spec.networkPolicy);
          customizeSpec.accept(spec);
        });
  }

  static PeerSpec podsLabelled(String key, String value) {
    PeerSpec peer = new PeerSpec();
    peer.podSelector = new LabelSelectorSpec();
    peer.podSelector.matchLabels = Map.of(key, value);
    return peer;
  }

  static PeerSpec namespacesLabelled(String key, String value) {
    PeerSpec peer = new PeerSpec();
    peer.namespaceSelector = new LabelSelectorSpec();
    peer.namespaceSelector.matchLabels = Map.of(key, value);
    return peer;
  }

  static PeerSpec addresses(String cidr, String... except) {
    PeerSpec peer = new PeerSpec();
    peer.ipBlock = new PeerSpec.IpBlockSpec();
    peer.ipBlock.cidr = cidr;
    peer.ipBlock.except = List.of(except);
    return peer;
  }

  private static Deployment deployment(PrivateRegistry registry) {
    return RegistryDeployment.render(
        registry, "tls-hash", "0123456789abcdef", Fixtures.OPERATOR_IMAGE);
  }

  private static Map<String, String> podLabels(PrivateRegistry registry) {
    return deployment(registry).getSpec().getTemplate().getMetadata().getLabels();
  }

  private static ContainerPort containerPort(PrivateRegistry registry, String name) {
    return deployment(registry).getSpec().getTemplate().getSpec().getContainers().stream()
        .flatMap(container -> container.getPorts().stream())
        .filter(port -> name.equals(port.getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no container port named " + name));
  }
}
