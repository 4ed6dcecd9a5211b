package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PrivateRegistryStatus implements ConditionedStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription(
      "Conditions. Ready is True when the registry's Deployment is available and serving.")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription(
      "In-cluster URL of the registry: https://<service>.<namespace>.svc:<port>.")
  public String url;

  @JsonPropertyDescription("URL through the Ingress, when one is configured.")
  public String externalUrl;

  @JsonPropertyDescription(
      "ConfigMap (key ca.crt) with the CA certificate clients need to trust the registry.")
  public String caBundleConfigMap;

  @JsonPropertyDescription("Expiry of the serving certificate (RFC 3339).")
  public String certificateExpiry;

  @JsonPropertyDescription("Number of ready RegistryUsers of this registry.")
  public Integer users;

  @JsonPropertyDescription(
      "The authentication in effect: Basic, Token (the operator's token server at"
          + " tokenRealm) or ExternalToken.")
  public String authMode;

  @JsonPropertyDescription("Where clients get tokens, in the token modes.")
  public String tokenRealm;

  @JsonPropertyDescription(
      "How the cluster's nodes pull from the registry, when the operator runs its node agent.")
  public NodeAccessStatus nodeAccess;

  @JsonPropertyDescription("The registry's data claim: its name, phase, capacity and request.")
  public StorageStatus storage;

  @JsonPropertyDescription(
      "Garbage collection: the run in progress, the last run and when the schedule runs next.")
  public GarbageCollectionStatus garbageCollection;

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
