package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes' label selector (the fields of metav1.LabelSelector), declared here so that kubectl
 * explain describes each field. An empty selector selects everything.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LabelSelectorSpec {

  @JsonPropertyDescription("Labels that must all be present with these values.")
  public Map<String, String> matchLabels;

  @JsonPropertyDescription("Requirements on labels that must all be met.")
  @Size(max = 16)
  public List<Requirement> matchExpressions;

  // Also checked by RegistryValidation for servers without CEL (before 1.25).
  @ValidationRule(value = Requirement.VALUES_RULE, message = Requirement.VALUES_MESSAGE)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Requirement {

    static final String VALUES_RULE =
        "self.operator == 'In' || self.operator == 'NotIn'"
            + " ? has(self.values) && size(self.values) > 0"
            + " : !has(self.values) || size(self.values) == 0";

    public static final String VALUES_MESSAGE =
        "In and NotIn need values; Exists and DoesNotExist take none.";

    @JsonPropertyDescription("The label's key.")
    @Required
    public String key;

    @JsonPropertyDescription("In, NotIn, Exists or DoesNotExist.")
    @Required
    public Operator operator;

    @JsonPropertyDescription("Values of the label for In and NotIn; none for the others.")
    @Size(max = 64)
    public List<String> values;
  }

  public enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist
  }
}
