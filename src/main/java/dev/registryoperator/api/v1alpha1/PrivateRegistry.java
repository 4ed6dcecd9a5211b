package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A private container registry: the CNCF Distribution registry behind an authenticating TLS proxy.
 */
@Group(PrivateRegistry.GROUP)
@Version(PrivateRegistry.VERSION)
@Kind("PrivateRegistry")
@Singular("privateregistry")
@Plural("privateregistries")
@ShortNames("preg")
@Categories("registry")
// kubectl get prints these columns in this order; Message (priority 1) only with -o wide.
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "URL", jsonPath = ".status.url")
@AdditionalPrinterColumn(name = "Users", jsonPath = ".status.users", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Auth", jsonPath = ".status.authMode")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
// With the node agent: nodes that trust the registry's current CA (wide output only).
@AdditionalPrinterColumn(
    name = "Nodes",
    jsonPath = ".status.nodeAccess.configuredNodes",
    type = Type.INTEGER,
    priority = 1)
// The data volume's size as bound (wide output only).
@AdditionalPrinterColumn(name = "Capacity", jsonPath = ".status.storage.capacity", priority = 1)
@AdditionalPrinterColumn(
    name = "Message",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].message",
    priority = 1)
public class PrivateRegistry extends CustomResource<PrivateRegistrySpec, PrivateRegistryStatus>
    implements Namespaced {

  public static final String GROUP = "registryoperator.dev";
  public static final String VERSION = "v1alpha1";

  @Override
  protected PrivateRegistrySpec initSpec() {
    return new PrivateRegistrySpec();
  }

  // Overridden only to give kubectl explain a description of spec and status.
  @Override
  @JsonPropertyDescription("Desired state of the registry.")
  public PrivateRegistrySpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("Observed state of the registry, written by the operator.")
  public PrivateRegistryStatus getStatus() {
    return super.getStatus();
  }
}
