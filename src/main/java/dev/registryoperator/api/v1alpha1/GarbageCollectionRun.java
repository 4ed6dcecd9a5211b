package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One garbage collection: its window, and what the collection found and removed. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GarbageCollectionRun {

  public static final String SCHEDULE = "Schedule";
  public static final String REQUESTED = "Requested";

  public static final String READ_ONLY = "ReadOnly";
  public static final String COLLECTING = "Collecting";
  public static final String READ_WRITE = "ReadWrite";

  public static final String SUCCEEDED = "Succeeded";
  public static final String FAILED = "Failed";

  @JsonPropertyDescription("What started it: Schedule or Requested (the annotation).")
  public String trigger;

  @JsonPropertyDescription(
      "Where a run in progress is: ReadOnly (the registry restarts read-only), Collecting (the"
          + " Job runs registry garbage-collect), ReadWrite (the registry restarts read-write).")
  public String stage;

  @JsonPropertyDescription("When the run started (RFC 3339).")
  public String started;

  @JsonPropertyDescription("When the registry was read-write again (RFC 3339).")
  public String finished;

  @JsonPropertyDescription("Succeeded or Failed.")
  public String outcome;

  @JsonPropertyDescription("Bytes the registry's data used before the collection (du).")
  public Long bytesBefore;

  @JsonPropertyDescription("Bytes the registry's data used after the collection (du).")
  public Long bytesAfter;

  @JsonPropertyDescription("Blobs removed: layers, configs and manifests no longer referenced.")
  public Long blobsRemoved;

  @JsonPropertyDescription("Untagged manifests removed (with deleteUntagged).")
  public Long manifestsRemoved;

  @JsonPropertyDescription("What happened, in words.")
  public String message;
}
