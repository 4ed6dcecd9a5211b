package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.GarbageCollectionRun;
import dev.registryoperator.api.v1alpha1.GarbageCollectionSpec;
import dev.registryoperator.api.v1alpha1.GarbageCollectionStatus;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistryStatus;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.registry.model.DataMode;
import dev.registryoperator.registry.model.GarbageCollectionJob;
import dev.registryoperator.registry.model.GarbageCollectionReport;
import dev.registryoperator.status.StatusPatches;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;

/**
 * The garbage collection window as a state machine, pure: the registry's spec, annotation and
 * status, and what is observed of its Deployment and Job, give the next step. The state lives in
 * status (stage and start time of the run in progress), so an operator that restarts in the middle
 * of a window continues it; every stage has a way out, so the registry is never left read-only.
 *
 * <pre>
 * idle --(schedule due | new request)--> ReadOnly: the registry restarts read-only
 * ReadOnly --(every pod read-only and available)--> Collecting: the Job runs
 * ReadOnly --(not read-only within {@link #READ_ONLY_LIMIT})--> ReadWrite, Failed
 * Collecting --(Job finished)--> ReadWrite, with what the Job reported
 * Collecting --(not finished within {@link #WINDOW_LIMIT} of the start)--> ReadWrite, Failed
 * ReadWrite --(every pod read-write and available)--> idle; the run becomes the last one
 * </pre>
 */
final class GarbageCollection {

  /** How long the registry may take to restart read-only (pull the image, mount, get ready). */
  static final Duration READ_ONLY_LIMIT = Duration.ofMinutes(10);

  /**
   * The longest a window stays open: the restart, the Job's own deadline, and time for its pod to
   * be scheduled and for the Job controller to say it is over.
   */
  static final Duration WINDOW_LIMIT =
      READ_ONLY_LIMIT.plus(GarbageCollectionJob.DEADLINE).plus(Duration.ofMinutes(5));

  /**
   * The garbage collection Job as the operator sees it.
   *
   * @param exists whether the Job is in the cache
   * @param finished whether the Job controller says it completed or failed
   * @param failure the Job controller's reason and message for a failed Job, or null
   * @param report what the Job's container reported, read once the Job finished
   */
  record JobSeen(
      boolean exists, boolean finished, String failure, Optional<GarbageCollectionReport> report) {

    static final JobSeen ABSENT = new JobSeen(false, false, null, Optional.empty());

    static JobSeen running() {
      return new JobSeen(true, false, null, Optional.empty());
    }
  }

  /**
   * @param servingMode the mode every pod of the registry runs in, once its rollout is complete
   * @param claimPerPod whether the data claim is ReadWriteOncePod: no second pod can mount it
   */
  record Observed(Instant now, Optional<DataMode> servingMode, JobSeen job, boolean claimPerPod) {}

  /**
   * What to do now.
   *
   * @param status the status to write
   * @param mode the mode to render the registry's configuration in
   * @param jobWanted whether the garbage collection Job should exist (created if missing, deleted
   *     if not wanted)
   * @param finished a run that ended with this step, for its Event
   * @param recheck when to look again even if nothing changes (a deadline, the next scheduled time)
   */
  record Step(
      GarbageCollectionStatus status,
      DataMode mode,
      boolean jobWanted,
      Optional<GarbageCollectionRun> finished,
      Optional<Duration> recheck) {

    /**
     * The status to write, or null for a registry that never had garbage collection: registries
     * that do not use it keep the status they had.
     */
    GarbageCollectionStatus statusOrNull() {
      boolean empty =
          status.current == null
              && status.last == null
              && status.lastRequest == null
              && status.schedule == null
              && status.nextScheduledTime == null;
      return empty ? null : status;
    }
  }

  /** How soon the step after a recorded report comes: the one that deletes the Job. */
  static final Duration NEXT_STEP = Duration.ofSeconds(1);

  /** How often a registry turning read-write again is looked at without an event. */
  static final Duration READ_WRITE_RECHECK = Duration.ofMinutes(1);

  private GarbageCollection() {}

  static Step next(PrivateRegistry registry, Observed observed) {
    GarbageCollectionStatus status = current(registry);
    Instant now = observed.now();
    scheduleBookkeeping(registry, status, now);

    GarbageCollectionRun run = status.current;
    if (run == null) {
      Optional<String> trigger = trigger(registry, status, now);
      if (trigger.isEmpty()) {
        return idle(status, now);
      }
      if (observed.claimPerPod()) {
        GarbageCollectionRun refused = newRun(trigger.get(), now);
        refused.stage = null;
        refused.outcome = GarbageCollectionRun.FAILED;
        refused.finished = timestamp(now);
        refused.message =
            "Garbage collection cannot run: the data claim is ReadWriteOncePod, so no pod but the"
                + " registry's may mount it. Use ReadWriteOnce to collect garbage.";
        status.last = refused;
        Step idle = idle(status, now);
        return new Step(status, DataMode.READ_WRITE, false, Optional.of(refused), idle.recheck());
      }
      run = newRun(trigger.get(), now);
      status.current = run;
    }
    return switch (run.stage) {
      case GarbageCollectionRun.COLLECTING -> collecting(status, run, observed);
      case GarbageCollectionRun.READ_WRITE -> readWrite(status, run, observed);
      default -> readOnly(status, run, observed);
    };
  }

  private static Step readOnly(
      GarbageCollectionStatus status, GarbageCollectionRun run, Observed observed) {
    Instant started = Instant.parse(run.started);
    Instant deadline = started.plus(READ_ONLY_LIMIT);
    if (observed.servingMode().equals(Optional.of(DataMode.READ_ONLY))) {
      run.stage = GarbageCollectionRun.COLLECTING;
      return new Step(
          status,
          DataMode.READ_ONLY,
          true,
          Optional.empty(),
          Optional.of(untilOrNow(observed.now(), started.plus(WINDOW_LIMIT))));
    }
    if (!observed.now().isBefore(deadline)) {
      fail(
          run,
          "The registry did not restart read-only within "
              + minutes(READ_ONLY_LIMIT)
              + "; nothing was collected.");
      return toReadWrite(status, false);
    }
    return new Step(
        status,
        DataMode.READ_ONLY,
        false,
        Optional.empty(),
        Optional.of(untilOrNow(observed.now(), deadline)));
  }

  private static Step collecting(
      GarbageCollectionStatus status, GarbageCollectionRun run, Observed observed) {
    Instant deadline = Instant.parse(run.started).plus(WINDOW_LIMIT);
    JobSeen job = observed.job();
    if (job.finished()) {
      record(run, job);
      // The Job stays for this step, so that a status write that fails now finds it again;
      // the next step (ReadWrite) deletes it. Nothing else may wake the registry soon: JOSDK
      // does not report the dependents' own writes, and the Deployment may take long to roll.
      Step readWrite = toReadWrite(status, true);
      return new Step(
          readWrite.status(),
          readWrite.mode(),
          readWrite.jobWanted(),
          Optional.empty(),
          Optional.of(NEXT_STEP));
    }
    if (!observed.now().isBefore(deadline)) {
      fail(
          run,
          "The collection did not finish within "
              + minutes(WINDOW_LIMIT)
              + " of the start; it was stopped and the registry is read-write again.");
      return toReadWrite(status, false);
    }
    // A Job that is missing (deleted by hand, or not in the cache yet) is created again: the
    // registry is still read-only, so a collection from the start is as safe as the first.
    return new Step(
        status,
        DataMode.READ_ONLY,
        true,
        Optional.empty(),
        Optional.of(untilOrNow(observed.now(), deadline)));
  }

  private static Step readWrite(
      GarbageCollectionStatus status, GarbageCollectionRun run, Observed observed) {
    if (!observed.servingMode().equals(Optional.of(DataMode.READ_WRITE))) {
      // The Deployment's status changes bring the next step; this is the backstop.
      return new Step(
          status, DataMode.READ_WRITE, false, Optional.empty(), Optional.of(READ_WRITE_RECHECK));
    }
    run.stage = null;
    run.finished = timestamp(observed.now());
    status.last = run;
    status.current = null;
    Step idle = idle(status, observed.now());
    return new Step(status, DataMode.READ_WRITE, false, Optional.of(run), idle.recheck());
  }

  private static Step toReadWrite(GarbageCollectionStatus status, boolean keepJob) {
    status.current.stage = GarbageCollectionRun.READ_WRITE;
    return new Step(status, DataMode.READ_WRITE, keepJob, Optional.empty(), Optional.empty());
  }

  private static Step idle(GarbageCollectionStatus status, Instant now) {
    Optional<Duration> recheck =
        Optional.ofNullable(status.nextScheduledTime)
            .map(next -> untilOrNow(now, Instant.parse(next)));
    return new Step(status, DataMode.READ_WRITE, false, Optional.empty(), recheck);
  }

  /** What the Job found, or why there is nothing to say. */
  private static void record(GarbageCollectionRun run, JobSeen job) {
    Optional<GarbageCollectionReport> found = job.report();
    if (found.isEmpty()) {
      fail(
          run,
          "The collection's Job ended without a report"
              + (job.failure() == null ? "" : " (" + job.failure() + ")")
              + "; the registry is read-write again.");
      return;
    }
    GarbageCollectionReport report = found.get();
    run.bytesBefore = report.bytesBefore();
    run.bytesAfter = report.bytesAfter();
    if (!report.succeeded() || job.failure() != null) {
      fail(
          run,
          "registry garbage-collect failed"
              + (report.exitStatus() == null ? "" : " (exit status " + report.exitStatus() + ")")
              + (job.failure() == null ? "" : " (" + job.failure() + ")")
              + (report.lastLine() == null || report.lastLine().isBlank()
                  ? ""
                  : ": " + report.lastLine())
              + "; the registry is read-write again.");
      return;
    }
    run.outcome = GarbageCollectionRun.SUCCEEDED;
    run.blobsRemoved = report.blobsEligible();
    run.manifestsRemoved = report.manifestsEligible();
    run.message =
        "Removed "
            + count(run.blobsRemoved, "blob")
            + " and "
            + count(run.manifestsRemoved, "untagged manifest")
            + freed(run)
            + ".";
  }

  private static String freed(GarbageCollectionRun run) {
    if (run.bytesBefore == null || run.bytesAfter == null) {
      return "";
    }
    return "; data went from " + run.bytesBefore + " to " + run.bytesAfter + " bytes";
  }

  private static String count(Long value, String noun) {
    long n = value == null ? 0 : value;
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  private static void fail(GarbageCollectionRun run, String message) {
    run.outcome = GarbageCollectionRun.FAILED;
    run.message = message;
  }

  /**
   * A run starts on a new request (the annotation's value differs from the last handled) or when
   * the scheduled time has come; the request is remembered as handled, and the schedule moves on.
   */
  private static Optional<String> trigger(
      PrivateRegistry registry, GarbageCollectionStatus status, Instant now) {
    String request = request(registry);
    if (request != null && !request.equals(status.lastRequest)) {
      status.lastRequest = request;
      return Optional.of(GarbageCollectionRun.REQUESTED);
    }
    if (status.nextScheduledTime != null
        && !now.isBefore(Instant.parse(status.nextScheduledTime))) {
      status.nextScheduledTime = nextTime(status.schedule, now);
      return Optional.of(GarbageCollectionRun.SCHEDULE);
    }
    return Optional.empty();
  }

  /**
   * Keeps nextScheduledTime in step with the spec: computed when a schedule appears or changes,
   * gone with it. A time that passes while a run is in progress is skipped, not queued.
   */
  private static void scheduleBookkeeping(
      PrivateRegistry registry, GarbageCollectionStatus status, Instant now) {
    String schedule = schedule(registry);
    if (schedule == null) {
      status.schedule = null;
      status.nextScheduledTime = null;
      return;
    }
    if (!schedule.equals(status.schedule) || status.nextScheduledTime == null) {
      status.schedule = schedule;
      status.nextScheduledTime = nextTime(schedule, now);
    } else if (status.current != null && !now.isBefore(Instant.parse(status.nextScheduledTime))) {
      status.nextScheduledTime = nextTime(schedule, now);
    }
  }

  private static String nextTime(String schedule, Instant now) {
    return CollectionSchedule.next(schedule, now).map(GarbageCollection::timestamp).orElse(null);
  }

  private static GarbageCollectionRun newRun(String trigger, Instant now) {
    GarbageCollectionRun run = new GarbageCollectionRun();
    run.trigger = trigger;
    run.stage = GarbageCollectionRun.READ_ONLY;
    run.started = timestamp(now);
    return run;
  }

  private static GarbageCollectionStatus current(PrivateRegistry registry) {
    GarbageCollectionStatus current =
        registry.getStatus() == null ? null : registry.getStatus().garbageCollection;
    return StatusPatches.copy(current, GarbageCollectionStatus.class, GarbageCollectionStatus::new);
  }

  static String schedule(PrivateRegistry registry) {
    var maintenance = registry.getSpec().maintenance;
    GarbageCollectionSpec collection = maintenance == null ? null : maintenance.garbageCollection;
    return collection == null || collection.schedule == null || collection.schedule.isBlank()
        ? null
        : collection.schedule.strip();
  }

  private static String request(PrivateRegistry registry) {
    Map<String, String> annotations = registry.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(Keys.COLLECT_GARBAGE_ANNOTATION);
  }

  /** Whether the status says the Job is running: its report is wanted once it finished. */
  static boolean collecting(PrivateRegistryStatus status) {
    return status != null
        && status.garbageCollection != null
        && status.garbageCollection.current != null
        && GarbageCollectionRun.COLLECTING.equals(status.garbageCollection.current.stage);
  }

  private static Duration untilOrNow(Instant now, Instant then) {
    Duration left = Duration.between(now, then);
    return left.isNegative() ? Duration.ZERO : left.plusSeconds(1);
  }

  private static String minutes(Duration duration) {
    return duration.toMinutes() + " minutes";
  }

  static String timestamp(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
