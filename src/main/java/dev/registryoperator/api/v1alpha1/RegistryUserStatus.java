package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class RegistryUserStatus implements ConditionedStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription(
      "Conditions. Ready is True once the user's entry is in the registry's htpasswd Secret.")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription(
      "The registry whose htpasswd file holds this user (it differs from spec.registryRef while a"
          + " move to another registry is under way).")
  public String registry;

  @JsonPropertyDescription("The login name in effect.")
  public String username;

  @JsonPropertyDescription(
      "Secret holding the generated password, when the operator generated one.")
  public String credentialsSecret;

  @JsonPropertyDescription(
      "What this user may do, e.g. 'pull,push on team-a/*; catalog'. Anonymous grants of the"
          + " registry come on top.")
  public String access;

  @JsonPropertyDescription("The kubernetes.io/dockerconfigjson Secret for this user.")
  public String pullSecret;

  @Override
  public Long observedGeneration() {
    return observedGeneration;
  }

  @Override
  public List<Condition> conditions() {
    return conditions;
  }

  @Override
  public void conditions(List<Condition> conditions) {
    this.conditions = conditions;
  }
}
