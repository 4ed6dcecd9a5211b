package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;

/** Requests and limits of one container, as in a Pod spec. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ContainerResources {

  @JsonPropertyDescription(
      "Minimum resources the container is scheduled with, such as cpu: 100m, memory: 128Mi.")
  public Map<String, Quantity> requests;

  @JsonPropertyDescription(
      "Maximum resources the container may use. A tight memory limit can kill large pushes.")
  public Map<String, Quantity> limits;
}
