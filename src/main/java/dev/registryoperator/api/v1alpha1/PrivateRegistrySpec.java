package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/**
 * Desired state of a {@link PrivateRegistry}. Defaults live in the CRD schema; the Java
 * initializers carry the same values so that objects that never passed the API server (tests, the
 * mock server) render the same way.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PrivateRegistrySpec {

  public static final String DEFAULT_IMAGE = "registry:2.8.3";

  @JsonPropertyDescription(
      "Image of the CNCF Distribution registry (registry:2 line). Pin a tag or digest.")
  @Default(DEFAULT_IMAGE)
  public String image = DEFAULT_IMAGE;

  @JsonPropertyDescription("Persistent storage for the registry's data.")
  @Default("{}")
  public StorageSpec storage = new StorageSpec();

  @JsonPropertyDescription(
      "TLS of the proxy. By default the operator runs its own CA and issues the serving certificate.")
  @Default("{}")
  public TlsSpec tls = new TlsSpec();

  @JsonPropertyDescription("Authentication of registry clients.")
  @Default("{}")
  public AuthSpec auth = new AuthSpec();

  @JsonPropertyDescription("The nginx proxy that terminates TLS and authenticates requests.")
  @Default("{}")
  public ProxySpec proxy = new ProxySpec();

  @JsonPropertyDescription("The Service in front of the proxy.")
  @Default("{}")
  public ServiceSpec service = new ServiceSpec();

  @JsonPropertyDescription("An Ingress for access from outside the cluster. Omit for none.")
  public IngressSpec ingress;

  @JsonPropertyDescription(
      "A NetworkPolicy that admits only the proxy's TLS port to the registry's pods (from"
          + " everywhere, or from the given peers). Omit for none. It takes effect only where the"
          + " cluster's network plugin enforces NetworkPolicies.")
  public NetworkPolicySpec networkPolicy;

  @JsonPropertyDescription(
      "Maintenance the operator does: garbage collection on a schedule (and on request).")
  public MaintenanceSpec maintenance;

  @JsonPropertyDescription("Compute resources of the registry and proxy containers.")
  @Default("{}")
  public ResourcesSpec resources = new ResourcesSpec();
}
