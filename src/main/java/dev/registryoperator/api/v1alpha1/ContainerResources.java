package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.Map;

/** Requests and limits of one container, as in a Pod spec. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ContainerResources {

  /**
   * Kubernetes' quantity syntax without a sign (a negative request makes no sense). The schema
   * cannot check a map's values here (the CRD generator ignores annotations on them), so
   * RegistryValidation does. The values are IntOrString, not Quantity, on purpose: fabric8's
   * Quantity throws while reading some strings ("1e3M"), and a registry that cannot be read stops
   * the operator's informer - the operator then stops altogether.
   */
  public static final String QUANTITY =
      "^(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

  @JsonPropertyDescription(
      "Minimum resources the container is scheduled with, such as cpu: 100m, memory: 128Mi.")
  public Map<String, IntOrString> requests;

  @JsonPropertyDescription(
      "Maximum resources the container may use. A tight memory limit can kill large pushes.")
  public Map<String, IntOrString> limits;

  /** The value as written: "250m", or "2" for the integer 2. */
  public static String text(IntOrString value) {
    if (value == null) {
      return "";
    }
    return value.getStrVal() != null ? value.getStrVal() : String.valueOf(value.getIntVal());
  }
}
