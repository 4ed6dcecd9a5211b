package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** An existing Docker token server (docker_auth, Portus, ...) that authenticates the clients. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExternalTokenSpec {

  @JsonPropertyDescription(
      "URL of the token endpoint clients are sent to, e.g. https://auth.example.com/token. It must"
          + " be reachable from every client.")
  @Required
  @Pattern("^https?://[^\\s\"]+$")
  public String realm;

  @JsonPropertyDescription("The service name the token server issues tokens for (their 'aud').")
  @Required
  @Pattern("^[^\\s\"]{1,253}$")
  public String service;

  @JsonPropertyDescription("The issuer the token server signs as (their 'iss').")
  @Required
  @Pattern("^[^\\s\"]{1,253}$")
  public String issuer;

  @JsonPropertyDescription(
      "Secret in the registry's namespace holding the PEM certificates the token server signs"
          + " with (or their CA).")
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  public String certificateSecret;

  @JsonPropertyDescription("Key of the certificate bundle in that Secret.")
  @Pattern("^[-._a-zA-Z0-9]+$")
  @Default("ca.crt")
  public String certificateKey = "ca.crt";
}
