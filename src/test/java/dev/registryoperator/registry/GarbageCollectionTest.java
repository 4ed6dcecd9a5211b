package dev.registryoperator.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.GarbageCollectionRun;
import dev.registryoperator.api.v1alpha1.GarbageCollectionSpec;
import dev.registryoperator.api.v1alpha1.MaintenanceSpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistryStatus;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.registry.GarbageCollection.JobSeen;
import dev.registryoperator.registry.GarbageCollection.Observed;
import dev.registryoperator.registry.GarbageCollection.Step;
import dev.registryoperator.registry.model.DataMode;
import dev.registryoperator.registry.model.GarbageCollectionReport;
import dev.registryoperator.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The garbage collection window, step by step, with a clock the test moves: what starts a run, how
 * each stage ends (in time, late, failed), and that the state in status is all a restarted operator
 * needs.
 */
class GarbageCollectionTest {

  private static final Instant T0 = Instant.parse("2026-03-01T02:59:30Z");

  private static final GarbageCollectionReport SWEPT =
      new GarbageCollectionReport(0, 30_000L, 12_000L, 5L, 3L, 0L, "deleted");

  @Test
  void withoutScheduleOrRequestNothingHappensAndNothingIsRecorded() {
    PrivateRegistry registry = Fixtures.registry();

    Step step = GarbageCollection.next(registry, observed(T0, DataMode.READ_WRITE));

    assertThat(step.mode()).isEqualTo(DataMode.READ_WRITE);
    assertThat(step.jobWanted()).isFalse();
    assertThat(step.status().current).as("run in progress").isNull();
    assertThat(step.status().nextScheduledTime).isNull();
    assertThat(step.recheck()).as("nothing to wait for").isEmpty();
    assertThat(step.statusOrNull()).as("no garbageCollection in status").isNull();
  }

  @Test
  void aScheduleIsSteppedToItsNextTimeAndWaitedFor() {
    PrivateRegistry registry = scheduled("0 3 * * *");

    Step step = GarbageCollection.next(registry, observed(T0, DataMode.READ_WRITE));

    assertThat(step.status().nextScheduledTime).isEqualTo("2026-03-01T03:00:00Z");
    assertThat(step.status().schedule).isEqualTo("0 3 * * *");
    assertThat(step.status().current).as("not due yet").isNull();
    assertThat(step.recheck()).contains(Duration.ofSeconds(31));
  }

  @Test
  void aDueScheduleStartsARunThatTurnsTheRegistryReadOnlyFirst() {
    PrivateRegistry registry = scheduled("0 3 * * *");
    withStatus(registry, GarbageCollection.next(registry, observed(T0, DataMode.READ_WRITE)));

    Instant due = Instant.parse("2026-03-01T03:00:00Z");
    Step step = GarbageCollection.next(registry, observed(due, DataMode.READ_WRITE));

    assertThat(step.status().current.trigger).isEqualTo(GarbageCollectionRun.SCHEDULE);
    assertThat(step.status().current.stage).isEqualTo(GarbageCollectionRun.READ_ONLY);
    assertThat(step.status().current.started).isEqualTo("2026-03-01T03:00:00Z");
    assertThat(step.mode()).isEqualTo(DataMode.READ_ONLY);
    assertThat(step.jobWanted()).as("no Job before the registry is read-only").isFalse();
    assertThat(step.status().nextScheduledTime).isEqualTo("2026-03-02T03:00:00Z");
    assertThat(step.recheck()).as("until the read-only deadline").isPresent();
  }

  @Test
  void timesMissedWhileTheOperatorWasAwayRunOnceWhenItIsBack() {
    PrivateRegistry registry = scheduled("0 * * * *");
    withStatus(registry, GarbageCollection.next(registry, observed(T0, DataMode.READ_WRITE)));
    assertThat(registry.getStatus().garbageCollection.nextScheduledTime)
        .isEqualTo("2026-03-01T03:00:00Z");

    // Back five hours and a half later: five times were missed.
    Instant back = Instant.parse("2026-03-01T08:30:00Z");
    Step step = GarbageCollection.next(registry, observed(back, DataMode.READ_WRITE));

    assertThat(step.status().current.trigger).isEqualTo(GarbageCollectionRun.SCHEDULE);
    assertThat(step.status().current.started).isEqualTo("2026-03-01T08:30:00Z");
    assertThat(step.status().nextScheduledTime)
        .as("the next time after now, not the next missed one")
        .isEqualTo("2026-03-01T09:00:00Z");
  }

  @Test
  void aNewAnnotationValueIsARequestHandledOnce() {
    PrivateRegistry registry = requested("first");

    Step started = GarbageCollection.next(registry, observed(T0, DataMode.READ_WRITE));
    assertThat(started.status().current.trigger).isEqualTo(GarbageCollectionRun.REQUESTED);
    assertThat(started.status().lastRequest).isEqualTo("first");

    // The whole window, then the same annotation again: no second run.
    withStatus(registry, finishAWindow(registry, T0));
    Step again =
        GarbageCollection.next(registry, observed(T0.plusSeconds(600), DataMode.READ_WRITE));
    assertThat(again.status().current).as("the same value asks for nothing").isNull();

    registry.getMetadata().getAnnotations().put(Keys.COLLECT_GARBAGE_ANNOTATION, "second");
    Step next =
        GarbageCollection.next(registry, observed(T0.plusSeconds(601), DataMode.READ_WRITE));
    assertThat(next.status().current.trigger).isEqualTo(GarbageCollectionRun.REQUESTED);
    assertThat(next.status().lastRequest).isEqualTo("second");
  }

  @Test
  void theJobStartsOnlyOnceEveryPodIsReadOnly() {
    PrivateRegistry registry = requested("now");
    withStatus(registry, GarbageCollection.next(registry, observed(T0, DataMode.READ_WRITE)));

    Step rolling = GarbageCollection.next(registry, rollingOut(T0.plusSeconds(5)));
    assertThat(rolling.jobWanted()).as("while the pod rolls").isFalse();
    assertThat(rolling.status().current.stage).isEqualTo(GarbageCollectionRun.READ_ONLY);
    Step stillReadWrite =
        GarbageCollection.next(registry, observed(T0.plusSeconds(6), DataMode.READ_WRITE));
    assertThat(stillReadWrite.jobWanted()).as("while the old pod serves").isFalse();

    Step readOnly =
        GarbageCollection.next(registry, observed(T0.plusSeconds(20), DataMode.READ_ONLY));
    assertThat(readOnly.jobWanted()).isTrue();
    assertThat(readOnly.mode()).isEqualTo(DataMode.READ_ONLY);
    assertThat(readOnly.status().current.stage).isEqualTo(GarbageCollectionRun.COLLECTING);
  }

  @Test
  void aFinishedJobIsRecordedThenTheRegistryTurnsReadWriteAndTheJobGoes() {
    PrivateRegistry registry = requested("now");
    Step collecting = toCollecting(registry, T0);
    withStatus(registry, collecting);

    Step running =
        GarbageCollection.next(
            registry, observed(T0.plusSeconds(30), DataMode.READ_ONLY, JobSeen.running()));
    assertThat(running.jobWanted()).isTrue();
    assertThat(running.mode()).isEqualTo(DataMode.READ_ONLY);

    Step done =
        GarbageCollection.next(
            registry,
            observed(T0.plusSeconds(40), DataMode.READ_ONLY, finished(null, Optional.of(SWEPT))));
    assertThat(done.mode()).isEqualTo(DataMode.READ_WRITE);
    assertThat(done.jobWanted()).as("kept until the report is in status").isTrue();
    GarbageCollectionRun run = done.status().current;
    assertThat(run.stage).isEqualTo(GarbageCollectionRun.READ_WRITE);
    assertThat(run.outcome).isEqualTo(GarbageCollectionRun.SUCCEEDED);
    assertThat(run.bytesBefore).isEqualTo(30_000L * 1024);
    assertThat(run.bytesAfter).isEqualTo(12_000L * 1024);
    assertThat(run.blobsRemoved).isEqualTo(3L);
    assertThat(run.manifestsRemoved).isZero();
    assertThat(run.message).contains("Removed 3 blobs and 0 untagged manifests");
    assertThat(done.finished()).as("no Event before the registry is read-write").isEmpty();
    assertThat(done.recheck())
        .as("the next step, which deletes the Job, comes by itself")
        .contains(GarbageCollection.NEXT_STEP);
    withStatus(registry, done);

    Step rollingBack =
        GarbageCollection.next(registry, observed(T0.plusSeconds(45), DataMode.READ_ONLY));
    assertThat(rollingBack.jobWanted()).as("the Job goes").isFalse();
    assertThat(rollingBack.mode()).isEqualTo(DataMode.READ_WRITE);
    assertThat(rollingBack.status().current).isNotNull();
    assertThat(rollingBack.recheck()).contains(GarbageCollection.READ_WRITE_RECHECK);

    Step idle = GarbageCollection.next(registry, observed(T0.plusSeconds(60), DataMode.READ_WRITE));
    assertThat(idle.status().current).isNull();
    assertThat(idle.status().last.outcome).isEqualTo(GarbageCollectionRun.SUCCEEDED);
    assertThat(idle.status().last.stage).isNull();
    assertThat(idle.status().last.started).isEqualTo("2026-03-01T02:59:30Z");
    assertThat(idle.status().last.finished).isEqualTo("2026-03-01T03:00:30Z");
    assertThat(idle.finished()).as("the run's Event").isPresent();
  }

  @Test
  void aFailedCollectionSaysWhyAndStillEndsReadWrite() {
    PrivateRegistry registry = requested("now");
    withStatus(registry, toCollecting(registry, T0));
    GarbageCollectionReport failed =
        new GarbageCollectionReport(
            1, 100L, 100L, null, null, null, "failed to garbage collect: disk I/O error");

    Step done =
        GarbageCollection.next(
            registry,
            observed(
                T0.plusSeconds(40),
                DataMode.READ_ONLY,
                finished(
                    "BackoffLimitExceeded: Job has reached the specified backoff limit",
                    Optional.of(failed))));

    assertThat(done.mode()).isEqualTo(DataMode.READ_WRITE);
    assertThat(done.status().current.outcome).isEqualTo(GarbageCollectionRun.FAILED);
    assertThat(done.status().current.message)
        .contains("exit status 1")
        .contains("BackoffLimitExceeded")
        .contains("failed to garbage collect: disk I/O error")
        .contains("read-write again");
    assertThat(done.status().current.blobsRemoved).as("nothing claimed").isNull();
  }

  @Test
  void aJobKilledWithoutReportIsAFailure() {
    PrivateRegistry registry = requested("now");
    withStatus(registry, toCollecting(registry, T0));

    Step done =
        GarbageCollection.next(
            registry,
            observed(
                T0.plusSeconds(3600),
                DataMode.READ_ONLY,
                finished(
                    "DeadlineExceeded: Job was active longer than specified deadline",
                    Optional.empty())));

    assertThat(done.status().current.outcome).isEqualTo(GarbageCollectionRun.FAILED);
    assertThat(done.status().current.message)
        .contains("without a report")
        .contains("DeadlineExceeded");
    assertThat(done.mode()).isEqualTo(DataMode.READ_WRITE);
  }

  @Test
  void aRegistryThatNeverTurnsReadOnlyIsGivenUpOnAndTurnedBack() {
    PrivateRegistry registry = requested("now");
    withStatus(registry, GarbageCollection.next(registry, observed(T0, DataMode.READ_WRITE)));

    Instant justBefore = T0.plus(GarbageCollection.READ_ONLY_LIMIT).minusSeconds(1);
    Step waiting = GarbageCollection.next(registry, rollingOut(justBefore));
    assertThat(waiting.mode()).isEqualTo(DataMode.READ_ONLY);
    assertThat(waiting.recheck()).contains(Duration.ofSeconds(2));

    Step late =
        GarbageCollection.next(registry, rollingOut(T0.plus(GarbageCollection.READ_ONLY_LIMIT)));
    assertThat(late.mode()).isEqualTo(DataMode.READ_WRITE);
    assertThat(late.jobWanted()).isFalse();
    assertThat(late.status().current.stage).isEqualTo(GarbageCollectionRun.READ_WRITE);
    assertThat(late.status().current.outcome).isEqualTo(GarbageCollectionRun.FAILED);
    assertThat(late.status().current.message).contains("did not restart read-only within 10");
  }

  @Test
  void aCollectionThatNeverEndsIsStoppedAtTheWindowLimit() {
    PrivateRegistry registry = requested("now");
    withStatus(registry, toCollecting(registry, T0));

    Step late =
        GarbageCollection.next(
            registry,
            observed(
                T0.plus(GarbageCollection.WINDOW_LIMIT), DataMode.READ_ONLY, JobSeen.running()));

    assertThat(late.mode()).isEqualTo(DataMode.READ_WRITE);
    assertThat(late.jobWanted()).as("a running Job is deleted, and its pod with it").isFalse();
    assertThat(late.status().current.outcome).isEqualTo(GarbageCollectionRun.FAILED);
    assertThat(late.status().current.message).contains("did not finish within 75 minutes");
  }

  @Test
  void aMissingJobWhileCollectingIsWantedAgain() {
    PrivateRegistry registry = requested("now");
    withStatus(registry, toCollecting(registry, T0));

    Step step =
        GarbageCollection.next(
            registry, observed(T0.plusSeconds(30), DataMode.READ_ONLY, JobSeen.ABSENT));

    assertThat(step.jobWanted()).isTrue();
    assertThat(step.mode()).isEqualTo(DataMode.READ_ONLY);
  }

  /** Status is the whole state: a fresh registry object with only the written status continues. */
  @Test
  void aRestartedOperatorContinuesFromStatusAlone() {
    PrivateRegistry before = requested("now");
    Step collecting = toCollecting(before, T0);
    String written = dev.registryoperator.status.StatusPatches.json(collecting.status());

    PrivateRegistry afterRestart = requested("now");
    afterRestart.setStatus(new PrivateRegistryStatus());
    afterRestart.getStatus().garbageCollection =
        new io.fabric8.kubernetes.client.utils.KubernetesSerialization()
            .unmarshal(written, dev.registryoperator.api.v1alpha1.GarbageCollectionStatus.class);
    Step resumed =
        GarbageCollection.next(
            afterRestart,
            observed(T0.plusSeconds(90), DataMode.READ_ONLY, finished(null, Optional.of(SWEPT))));

    assertThat(resumed.status().current.stage).isEqualTo(GarbageCollectionRun.READ_WRITE);
    assertThat(resumed.status().current.outcome).isEqualTo(GarbageCollectionRun.SUCCEEDED);
    assertThat(resumed.status().current.started).isEqualTo("2026-03-01T02:59:30Z");
  }

  @Test
  void aReadWriteOncePodClaimCannotBeCollectedAndSaysSoAtOnce() {
    PrivateRegistry registry = requested("now");

    Step step =
        GarbageCollection.next(
            registry, new Observed(T0, Optional.of(DataMode.READ_WRITE), JobSeen.ABSENT, true));

    assertThat(step.mode())
        .as("never read-only for a run that cannot happen")
        .isEqualTo(DataMode.READ_WRITE);
    assertThat(step.jobWanted()).isFalse();
    assertThat(step.status().current).isNull();
    assertThat(step.status().last.outcome).isEqualTo(GarbageCollectionRun.FAILED);
    assertThat(step.status().last.message).contains("ReadWriteOncePod");
    assertThat(step.status().lastRequest).as("handled, not retried").isEqualTo("now");
    assertThat(step.finished()).isPresent();
  }

  @Test
  void aScheduledTimeThatPassesDuringARunIsSkipped() {
    PrivateRegistry registry = scheduled("*/5 * * * *");
    registry.getMetadata().setAnnotations(new HashMap<>());
    registry.getMetadata().getAnnotations().put(Keys.COLLECT_GARBAGE_ANNOTATION, "now");
    withStatus(registry, GarbageCollection.next(registry, observed(T0, DataMode.READ_WRITE)));
    assertThat(registry.getStatus().garbageCollection.nextScheduledTime)
        .isEqualTo("2026-03-01T03:00:00Z");

    Step during =
        GarbageCollection.next(registry, rollingOut(Instant.parse("2026-03-01T03:01:00Z")));

    assertThat(during.status().current.trigger).isEqualTo(GarbageCollectionRun.REQUESTED);
    assertThat(during.status().nextScheduledTime).isEqualTo("2026-03-01T03:05:00Z");
  }

  @Test
  void aChangedScheduleIsSteppedAgainAndARemovedOneForgotten() {
    PrivateRegistry registry = scheduled("0 3 * * *");
    withStatus(registry, GarbageCollection.next(registry, observed(T0, DataMode.READ_WRITE)));

    registry.getSpec().maintenance.garbageCollection.schedule = "30 4 * * 0";
    Step changed = GarbageCollection.next(registry, observed(T0, DataMode.READ_WRITE));
    assertThat(changed.status().nextScheduledTime).isEqualTo("2026-03-01T04:30:00Z");

    registry.getSpec().maintenance = null;
    Step removed = GarbageCollection.next(registry, observed(T0, DataMode.READ_WRITE));
    assertThat(removed.status().nextScheduledTime).isNull();
    assertThat(removed.status().schedule).isNull();
  }

  @Test
  void cronSchedulesAreCheckedAndStepped() {
    assertThat(CollectionSchedule.problem("0 3 * * 0")).isEmpty();
    assertThat(CollectionSchedule.problem("*/15 1-5 * * mon-fri")).isEmpty();
    assertThat(CollectionSchedule.problem("every night")).isPresent();
    assertThat(CollectionSchedule.problem("0 3 * *")).as("four fields").isPresent();
    assertThat(CollectionSchedule.problem("0 0 3 * * ?")).as("Quartz's six fields").isPresent();
    assertThat(CollectionSchedule.problem("61 3 * * *")).as("minute 61").isPresent();
    assertThat(CollectionSchedule.next("0 3 * * 0", Instant.parse("2026-03-01T03:00:00Z")))
        .as("strictly after now: Sunday 1 March 03:00 -> the next Sunday")
        .contains(Instant.parse("2026-03-08T03:00:00Z"));
  }

  // ---------------------------------------------------------------------------------------------

  private static Step toCollecting(PrivateRegistry registry, Instant start) {
    withStatus(registry, GarbageCollection.next(registry, observed(start, DataMode.READ_WRITE)));
    Step collecting =
        GarbageCollection.next(registry, observed(start.plusSeconds(20), DataMode.READ_ONLY));
    assertThat(collecting.status().current.stage).isEqualTo(GarbageCollectionRun.COLLECTING);
    return collecting;
  }

  /** Requested at T0, then every stage in time. */
  private static Step finishAWindow(PrivateRegistry registry, Instant start) {
    withStatus(registry, toCollecting(registry, start));
    withStatus(
        registry,
        GarbageCollection.next(
            registry,
            observed(
                start.plusSeconds(40), DataMode.READ_ONLY, finished(null, Optional.of(SWEPT)))));
    Step idle =
        GarbageCollection.next(registry, observed(start.plusSeconds(60), DataMode.READ_WRITE));
    assertThat(idle.status().current).isNull();
    return idle;
  }

  private static void withStatus(PrivateRegistry registry, Step step) {
    if (registry.getStatus() == null) {
      registry.setStatus(new PrivateRegistryStatus());
    }
    registry.getStatus().garbageCollection = step.status();
  }

  private static JobSeen finished(String failure, Optional<GarbageCollectionReport> report) {
    return new JobSeen(true, true, failure, report);
  }

  private static Observed observed(Instant now, DataMode serving) {
    return observed(now, serving, JobSeen.ABSENT);
  }

  private static Observed observed(Instant now, DataMode serving, JobSeen job) {
    return new Observed(now, Optional.of(serving), job, false);
  }

  private static Observed rollingOut(Instant now) {
    return new Observed(now, Optional.empty(), JobSeen.ABSENT, false);
  }

  private static PrivateRegistry scheduled(String schedule) {
    return Fixtures.registry(
        spec -> {
          spec.maintenance = new MaintenanceSpec();
          spec.maintenance.garbageCollection = new GarbageCollectionSpec();
          spec.maintenance.garbageCollection.schedule = schedule;
        });
  }

  private static PrivateRegistry requested(String value) {
    PrivateRegistry registry = Fixtures.registry();
    registry.getMetadata().setAnnotations(new HashMap<>());
    registry.getMetadata().getAnnotations().put(Keys.COLLECT_GARBAGE_ANNOTATION, value);
    return registry;
  }
}
