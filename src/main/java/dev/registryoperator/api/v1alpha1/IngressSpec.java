package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class IngressSpec {

  /**
   * A DNS name: labels of at most 63 characters, the last starting with a letter, so that an IP
   * address (which the Ingress API refuses as a host) is refused at apply.
   */
  public static final String DNS_NAME =
      "^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)*[a-z]([-a-z0-9]{0,61}[a-z0-9])?$";

  @JsonPropertyDescription(
      "Host name clients use from outside the cluster. It is added to the serving certificate.")
  @Required
  @Pattern(DNS_NAME)
  @Size(max = 253)
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
