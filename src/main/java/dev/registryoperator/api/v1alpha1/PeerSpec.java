package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * A source admitted by the registry's NetworkPolicy: Kubernetes' NetworkPolicyPeer, with the same
 * fields and meaning, declared here so that kubectl explain describes each field. The API server
 * refuses a peer without a selector or an ipBlock beside a selector; this rule refuses it first
 * (from 1.25; RegistryValidation before), instead of every apply of the policy failing.
 */
@ValidationRule(value = PeerSpec.SHAPE_RULE, message = PeerSpec.SHAPE_MESSAGE)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PeerSpec {

  static final String SHAPE_RULE =
      "has(self.ipBlock) ? !has(self.podSelector) && !has(self.namespaceSelector)"
          + " : has(self.podSelector) || has(self.namespaceSelector)";

  public static final String SHAPE_MESSAGE =
      "A peer needs a podSelector, a namespaceSelector or both, or else an ipBlock alone.";

  @JsonPropertyDescription(
      "Pods admitted, by their labels: in the registry's namespace, or with namespaceSelector in"
          + " the namespaces it selects. {} selects every pod.")
  public LabelSelectorSpec podSelector;

  @JsonPropertyDescription(
      "Namespaces whose pods are admitted (all of them, or with podSelector those it selects)."
          + " {} selects every namespace.")
  public LabelSelectorSpec namespaceSelector;

  @JsonPropertyDescription(
      "Addresses admitted, such as the nodes' (kubelet pulls from the node's address) or a load"
          + " balancer's. Not together with the selectors.")
  public IpBlockSpec ipBlock;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class IpBlockSpec {

    @JsonPropertyDescription("The range admitted, as a CIDR: 10.0.0.0/8, fd00::/8.")
    @Required
    public String cidr;

    @JsonPropertyDescription("Smaller ranges inside cidr that are not admitted, as CIDRs.")
    @Size(max = 32)
    public List<String> except;
  }
}
