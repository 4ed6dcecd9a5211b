package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The registry's data claim as the cluster provides it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StorageStatus {

  @JsonPropertyDescription(
      "The PersistentVolumeClaim the registry's pod mounts: <name>-data, or spec.storage"
          + ".existingClaim.")
  public String claim;

  @JsonPropertyDescription(
      "The claim's phase (Pending, Bound, Lost). An adopted claim (existingClaim) is not"
          + " watched: its phase is read at each reconcile, at least every 10 minutes.")
  public String phase;

  @JsonPropertyDescription(
      "The capacity of the volume bound to the claim, as the cluster reports it (it may exceed"
          + " spec.storage.size, and lags a growth until the volume has been expanded). Absent"
          + " until bound.")
  public String capacity;

  @JsonPropertyDescription(
      "The size the claim requests; differs from capacity while a growth is in progress.")
  public String requested;

  @JsonPropertyDescription(
      "Bytes the registry's data used when last measured: by the last garbage collection, after"
          + " it removed what it could. Absent until a collection has measured it.")
  public Long usedBytes;

  @JsonPropertyDescription("usedBytes as a share of capacity, in percent (rounded down).")
  public Integer usedPercent;

  @JsonPropertyDescription("When usedBytes was measured (RFC 3339).")
  public String usedMeasured;
}
