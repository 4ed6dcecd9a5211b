package dev.registryoperator.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.GarbageCollectionRun;
import dev.registryoperator.api.v1alpha1.GarbageCollectionStatus;
import dev.registryoperator.api.v1alpha1.StorageStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StorageUsageTest {

  private static final long MIB = 1024L * 1024;

  @ParameterizedTest(name = "{0} bytes of {1} -> {2} %")
  @CsvSource({
    "8388608,    10Mi, 80",
    "8388607,    10Mi, 79",
    "0,          10Gi, 0",
    "10485760,   10Mi, 100",
    "12582912,   10Mi, 120",
    "1000000000, 1G,   100",
  })
  void usageIsAShareOfTheCapacityRoundedDown(long bytes, String capacity, int percent) {
    assertThat(StorageUsage.measuredBy(run(bytes), capacity))
        .hasValueSatisfying(usage -> assertThat(usage.percent()).isEqualTo(percent));
  }

  @Test
  void withoutACapacityTheBytesAreKnownButNoShare() {
    StorageUsage usage = StorageUsage.measuredBy(run(8 * MIB), null).orElseThrow();

    assertThat(usage.bytes()).isEqualTo(8 * MIB);
    assertThat(usage.percent()).isNull();
    assertThat(usage.reaches(1)).as("no share, no warning").isFalse();
  }

  @Test
  void theWarningStartsAtTheThreshold() {
    StorageUsage eighty = StorageUsage.measuredBy(run(8 * MIB), "10Mi").orElseThrow();

    assertThat(eighty.reaches(80)).isTrue();
    assertThat(eighty.reaches(81)).isFalse();
  }

  @Test
  void aRunThatMeasuredNothingGivesNoUsage() {
    GarbageCollectionRun failedEarly = new GarbageCollectionRun();
    failedEarly.outcome = GarbageCollectionRun.FAILED;

    assertThat(StorageUsage.measuredBy(failedEarly, "10Mi")).isEmpty();
    assertThat(StorageUsage.measuredBy(null, "10Mi")).isEmpty();
  }

  @Test
  void statusShowsTheLastRunsMeasure() {
    GarbageCollectionStatus collection = new GarbageCollectionStatus();
    collection.last = run(8 * MIB);
    StorageStatus storage = new StorageStatus();
    storage.capacity = "10Mi";

    StorageUsage.report(storage, collection);

    assertThat(storage.usedBytes).isEqualTo(8 * MIB);
    assertThat(storage.usedPercent).isEqualTo(80);
    assertThat(storage.usedMeasured).isEqualTo("2026-11-30T03:00:41Z");
  }

  @Test
  void statusStaysWithoutUsageUntilARunMeasured() {
    StorageStatus storage = new StorageStatus();
    storage.capacity = "10Mi";

    StorageUsage.report(storage, null);
    StorageUsage.report(storage, new GarbageCollectionStatus());

    assertThat(storage.usedBytes).isNull();
    assertThat(storage.usedPercent).isNull();
    assertThat(storage.usedMeasured).isNull();
  }

  private static GarbageCollectionRun run(long bytesAfter) {
    GarbageCollectionRun run = new GarbageCollectionRun();
    run.outcome = GarbageCollectionRun.SUCCEEDED;
    run.bytesAfter = bytesAfter;
    run.finished = "2026-11-30T03:00:41Z";
    return run;
  }
}
