package dev.registryoperator.registry.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Optional;

/**
 * What the garbage collection Job's container reported in its termination message (see {@link
 * GarbageCollectionJob#script}). Sizes are du's 1 KiB blocks; counts are those of the collector's
 * summary line, absent when it never printed one.
 *
 * @param blobsEligible blobs no manifest references, which the collector deleted
 * @param manifestsEligible untagged manifests it deleted (only with --delete-untagged)
 * @param lastLine the collector's last line of output, which says why when it failed
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record GarbageCollectionReport(
    Integer exitStatus,
    Long kibBefore,
    Long kibAfter,
    Long blobsMarked,
    Long blobsEligible,
    Long manifestsEligible,
    String lastLine) {

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** The report in a termination message, or empty when it holds none (a killed container). */
  public static Optional<GarbageCollectionReport> parse(String terminationMessage) {
    if (terminationMessage == null || terminationMessage.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.unmarshal(terminationMessage.strip(), GarbageCollectionReport.class));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  public boolean succeeded() {
    return exitStatus != null && exitStatus == 0;
  }

  public Long bytesBefore() {
    return kibBefore == null ? null : kibBefore * 1024;
  }

  public Long bytesAfter() {
    return kibAfter == null ? null : kibAfter * 1024;
  }
}
