package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * Garbage collection as the operator runs it. It is also the window's memory: an operator that
 * restarts in the middle of a run continues it from here.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GarbageCollectionStatus {

  @JsonPropertyDescription(
      "The run in progress, if any: while it lasts the registry serves pulls but refuses pushes.")
  public GarbageCollectionRun current;

  @JsonPropertyDescription("The last finished run, with what it removed.")
  public GarbageCollectionRun last;

  @JsonPropertyDescription(
      "The value of the registryoperator.dev/collect-garbage annotation last handled; a"
          + " different value is a new request.")
  public String lastRequest;

  @JsonPropertyDescription("The schedule nextScheduledTime follows.")
  public String schedule;

  @JsonPropertyDescription("When the schedule runs next (RFC 3339, UTC).")
  public String nextScheduledTime;
}
