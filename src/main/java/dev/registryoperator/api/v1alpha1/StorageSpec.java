package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

// Also checked by RegistryValidation for servers without CEL (before 1.25).
@ValidationRule(
    value = "!has(self.existingClaim) || !has(self.deleteClaim) || !self.deleteClaim",
    message =
        "spec.storage.deleteClaim cannot be true with spec.storage.existingClaim: the operator"
            + " never deletes a claim it did not create.",
    fieldPath = ".deleteClaim")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StorageSpec {

  public static final String DEFAULT_SIZE = "10Gi";
  public static final int DEFAULT_USAGE_WARNING_PERCENT = 80;

  @JsonPropertyDescription(
      "Requested size of the data volume, a binary quantity such as 512Mi, 10Gi or 1Ti."
          + " It can grow later if the storage class allows expansion.")
  @Pattern("^[1-9][0-9]{0,8}(Mi|Gi|Ti)$")
  @Default(DEFAULT_SIZE)
  public String size = DEFAULT_SIZE;

  @JsonPropertyDescription(
      "Storage class of the claim. Omit to use the cluster's default storage class.")
  public String storageClassName;

  @JsonPropertyDescription(
      "Access modes of the claim. With ReadWriteOnce the registry runs one replica and rolls out"
          + " with the Recreate strategy.")
  @Size(min = 1)
  @Default("[\"ReadWriteOnce\"]")
  public List<AccessMode> accessModes = List.of(AccessMode.ReadWriteOnce);

  @JsonPropertyDescription(
      "Name of an existing PersistentVolumeClaim in the same namespace to use instead of creating"
          + " one. The operator never modifies or deletes an adopted claim.")
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  public String existingClaim;

  @JsonPropertyDescription(
      "Delete the claim, and with it the registry's data, and the registry's CA Secret when the"
          + " PrivateRegistry is deleted. By default both are kept and reused by a PrivateRegistry"
          + " of the same name, which serves the same images with the CA its clients trust.")
  @Default("false")
  public boolean deleteClaim = false;

  @JsonPropertyDescription(
      "Share of the claim's capacity, in percent, from which a measured usage is a Warning Event"
          + " (StorageNearlyFull). Usage is measured by each garbage collection, the one time the"
          + " operator walks the registry's data (see spec.maintenance.garbageCollection).")
  @Min(1)
  @Max(100)
  @Default("" + DEFAULT_USAGE_WARNING_PERCENT)
  public int usageWarningPercent = DEFAULT_USAGE_WARNING_PERCENT;

  public enum AccessMode {
    ReadWriteOnce,
    ReadWriteMany,
    ReadWriteOncePod
  }
}
