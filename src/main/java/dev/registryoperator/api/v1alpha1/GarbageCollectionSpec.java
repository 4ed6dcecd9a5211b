package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** When garbage collection runs, and what it removes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GarbageCollectionSpec {

  @JsonPropertyDescription(
      "A 5-field cron schedule in UTC (minute hour day-of-month month day-of-week), e.g."
          + " \"0 3 * * 0\" for Sundays at 03:00. Omit to collect only on request. A time missed"
          + " while the operator was away runs once when it is back.")
  public String schedule;

  @JsonPropertyDescription(
      "Also delete manifests no tag points at, and their blobs (registry garbage-collect"
          + " --delete-untagged). Images pulled by digest only are then lost.")
  @Default("false")
  public boolean deleteUntagged = false;
}
