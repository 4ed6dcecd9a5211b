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
 * One user of a {@link PrivateRegistry}: an htpasswd entry and, optionally, an image pull Secret.
 */
@Group(PrivateRegistry.GROUP)
@Version(PrivateRegistry.VERSION)
@Kind("RegistryUser")
@Singular("registryuser")
@Plural("registryusers")
@ShortNames("reguser")
@Categories("registry")
// kubectl get prints these columns in this order; Message (priority 1) only with -o wide.
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Registry", jsonPath = ".spec.registryRef")
@AdditionalPrinterColumn(name = "Username", jsonPath = ".status.username")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
@AdditionalPrinterColumn(
    name = "Message",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].message",
    priority = 1)
public class RegistryUser extends CustomResource<RegistryUserSpec, RegistryUserStatus>
    implements Namespaced {

  @Override
  protected RegistryUserSpec initSpec() {
    return new RegistryUserSpec();
  }

  // Overridden only to give kubectl explain a description of spec and status.
  @Override
  @JsonPropertyDescription("Desired state of the user.")
  public RegistryUserSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("Observed state of the user, written by the operator.")
  public RegistryUserStatus getStatus() {
    return super.getStatus();
  }
}
