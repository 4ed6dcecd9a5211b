package dev.registryoperator.registry.model;

import dev.registryoperator.api.v1alpha1.LabelSelectorSpec;
import dev.registryoperator.api.v1alpha1.NetworkPolicySpec;
import dev.registryoperator.api.v1alpha1.PeerSpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.OwnedMetadata;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlockBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The optional NetworkPolicy: of the registry pod's ports, only the proxy's TLS port is reachable,
 * and the metrics port only for the peers the user names. Nothing else needs to be: the registry
 * and the auth server listen on loopback, the token endpoint is behind the proxy port, and
 * kubelet's probes come from the pod's own node, which NetworkPolicies always admit. Only ingress
 * is restricted: the registry pod's own connections (to an external token server, say) stay open.
 */
public final class RegistryNetworkPolicy {

  private static final String INGRESS = "Ingress";

  private RegistryNetworkPolicy() {}

  public static NetworkPolicy render(PrivateRegistry registry) {
    NetworkPolicySpec policy = registry.getSpec().networkPolicy;
    RegistryNames names = RegistryNames.of(registry);
    List<NetworkPolicyIngressRule> rules = new ArrayList<>();
    // By number: the proxy's container port (which the Service targets by name) is rendered from
    // the same field, so the two cannot drift, and kubectl shows the policy plainly.
    rules.add(admit(registry.getSpec().proxy.port, policy.from));
    if (policy.metricsFrom != null) {
      rules.add(admit(Ports.METRICS, policy.metricsFrom));
    }
    return new NetworkPolicyBuilder()
        .withMetadata(
            OwnedMetadata.owned(
                registry, names.registry(), names.networkPolicy(), Components.REGISTRY))
        .withNewSpec()
        // The Deployment's own pod selector: exactly this registry's pods.
        .withNewPodSelector()
        .withMatchLabels(Labels.selector(names.registry()))
        .endPodSelector()
        .withPolicyTypes(INGRESS)
        .withIngress(rules)
        .endSpec()
        .build();
  }

  /** TCP to one port, from the peers or (without any) from everywhere. */
  private static NetworkPolicyIngressRule admit(int port, List<PeerSpec> peers) {
    return new NetworkPolicyIngressRuleBuilder()
        .withPorts(
            new NetworkPolicyPortBuilder()
                // The server's default, written out so that what is applied is what is read back.
                .withProtocol("TCP")
                .withPort(new IntOrString(port))
                .build())
        .withFrom(peers == null ? null : peers.stream().map(RegistryNetworkPolicy::peer).toList())
        .build();
  }

  private static NetworkPolicyPeer peer(PeerSpec peer) {
    NetworkPolicyPeerBuilder rendered =
        new NetworkPolicyPeerBuilder()
            .withPodSelector(selector(peer.podSelector))
            .withNamespaceSelector(selector(peer.namespaceSelector));
    if (peer.ipBlock != null) {
      rendered.withIpBlock(
          new IPBlockBuilder()
              .withCidr(peer.ipBlock.cidr)
              .withExcept(
                  peer.ipBlock.except == null || peer.ipBlock.except.isEmpty()
                      ? null
                      : List.copyOf(peer.ipBlock.except))
              .build());
    }
    return rendered.build();
  }

  /** Built anew: the spec's lists and maps belong to the cached registry, never to be shared. */
  private static LabelSelector selector(LabelSelectorSpec spec) {
    if (spec == null) {
      return null;
    }
    LabelSelectorBuilder selector = new LabelSelectorBuilder();
    if (spec.matchLabels != null && !spec.matchLabels.isEmpty()) {
      selector.withMatchLabels(new TreeMap<>(spec.matchLabels));
    }
    if (spec.matchExpressions != null) {
      for (LabelSelectorSpec.Requirement requirement : spec.matchExpressions) {
        selector
            .addNewMatchExpression()
            .withKey(requirement.key)
            .withOperator(requirement.operator.name())
            .withValues(
                requirement.values == null || requirement.values.isEmpty()
                    ? null
                    : List.copyOf(requirement.values))
            .endMatchExpression();
      }
    }
    return selector.build();
  }
}
