package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

// The same cross-field checks as RegistryValidation, as CEL rules: servers since 1.25 refuse a bad
// object at apply with this message; older servers drop the rule and the reconciler reports it.
@ValidationRule(
    value = "!has(self.nodePort) || (has(self.type) && self.type != 'ClusterIP')",
    message = "spec.service.nodePort needs spec.service.type NodePort or LoadBalancer.",
    fieldPath = ".nodePort")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ServiceSpec {

  @JsonPropertyDescription("Type of the Service: ClusterIP, NodePort or LoadBalancer.")
  @Default("ClusterIP")
  public ServiceType type = ServiceType.ClusterIP;

  @JsonPropertyDescription(
      "Fixed node port for NodePort and LoadBalancer Services. Omit to let Kubernetes pick one.")
  @Min(1)
  @Max(65535)
  public Integer nodePort;

  public enum ServiceType {
    ClusterIP,
    NodePort,
    LoadBalancer
  }
}
