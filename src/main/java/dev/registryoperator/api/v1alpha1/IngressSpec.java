package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class IngressSpec {

  @JsonPropertyDescription(
      "Host name clients use from outside the cluster. It is added to the serving certificate.")
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
  public String host;

  @JsonPropertyDescription("IngressClass to use. Omit for the cluster's default class.")
  public String className;

  @JsonPropertyDescription(
      "Secret with the certificate the Ingress controller presents for the host. Omit to use the"
          + " controller's default certificate.")
  public String tlsSecretName;

  @JsonPropertyDescription(
      "Extra annotations of the Ingress, for your controller. They override the operator's"
          + " annotations of the same name (unlimited body size, long timeouts, HTTPS backend).")
  public Map<String, String> annotations;
}
