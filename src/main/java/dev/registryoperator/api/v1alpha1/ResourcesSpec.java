package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResourcesSpec {

  @JsonPropertyDescription("Resources of the registry container.")
  public ContainerResources registry;

  @JsonPropertyDescription("Resources of the proxy container.")
  public ContainerResources proxy;
}
