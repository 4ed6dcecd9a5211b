package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Day-two work the operator does on a registry by itself. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MaintenanceSpec {

  @JsonPropertyDescription(
      "Garbage collection on a schedule: the registry turns read-only, `registry"
          + " garbage-collect` removes the blobs no manifest references, and the registry turns"
          + " read-write again. A run on demand needs no schedule: annotate the registry with"
          + " registryoperator.dev/collect-garbage (any new value is a new request).")
  public GarbageCollectionSpec garbageCollection;
}
