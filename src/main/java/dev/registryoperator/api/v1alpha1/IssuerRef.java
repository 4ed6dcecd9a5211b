package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A cert-manager issuer, as a cert-manager Certificate's spec.issuerRef names one. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class IssuerRef {

  public static final String CERT_MANAGER_GROUP = "cert-manager.io";

  public enum IssuerKind {
    Issuer,
    ClusterIssuer
  }

  @JsonPropertyDescription(
      "Name of the Issuer (in the registry's namespace) or ClusterIssuer that signs the"
          + " registry's serving certificate.")
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @Size(max = 253)
  public String name;

  @JsonPropertyDescription("Issuer (namespaced, the default) or ClusterIssuer.")
  @Default("Issuer")
  public IssuerKind kind = IssuerKind.Issuer;

  @JsonPropertyDescription(
      "API group of the issuer: cert-manager.io, or the group of an external issuer that"
          + " cert-manager hands the request to.")
  @Default(CERT_MANAGER_GROUP)
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  public String group = CERT_MANAGER_GROUP;
}
