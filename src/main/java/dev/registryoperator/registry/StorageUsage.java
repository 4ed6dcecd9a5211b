package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.GarbageCollectionRun;
import dev.registryoperator.api.v1alpha1.GarbageCollectionStatus;
import dev.registryoperator.api.v1alpha1.StorageStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * How full the registry's data is, as the last garbage collection measured it. A collection is the
 * one time the operator walks the data (du in the collector's pod, next to the registry): reading
 * the volume's usage otherwise would need the kubelet's stats, which only a permission to proxy to
 * every node's kubelet gives, far beyond what the operator should hold.
 *
 * @param bytes bytes the data used after the collection
 * @param percent bytes as a share of the claim's capacity, rounded down; null while the capacity is
 *     not known
 * @param measured when the collection ended (RFC 3339)
 */
record StorageUsage(long bytes, Integer percent, String measured) {

  static final String NEARLY_FULL = "StorageNearlyFull";

  /** The usage a finished run measured, against the capacity status.storage reports. */
  static Optional<StorageUsage> measuredBy(GarbageCollectionRun run, String capacity) {
    if (run == null || run.bytesAfter == null) {
      return Optional.empty();
    }
    return Optional.of(
        new StorageUsage(run.bytesAfter, percent(run.bytesAfter, capacity), run.finished));
  }

  /**
   * Writes the last run's measure into status.storage and returns it; nothing when no run has
   * measured yet.
   */
  static Optional<StorageUsage> report(StorageStatus storage, GarbageCollectionStatus collection) {
    Optional<StorageUsage> measured =
        measuredBy(collection == null ? null : collection.last, storage.capacity);
    measured.ifPresent(
        usage -> {
          storage.usedBytes = usage.bytes();
          storage.usedPercent = usage.percent();
          storage.usedMeasured = usage.measured();
        });
    return measured;
  }

  boolean reaches(int warningPercent) {
    return percent != null && percent >= warningPercent;
  }

  private static Integer percent(long bytes, String capacity) {
    if (capacity == null) {
      return null;
    }
    BigDecimal capacityBytes = Quantity.getAmountInBytes(new Quantity(capacity));
    if (capacityBytes.signum() <= 0) {
      return null;
    }
    return BigDecimal.valueOf(bytes)
        .multiply(BigDecimal.valueOf(100))
        .divideToIntegralValue(capacityBytes)
        .intValue();
  }
}
