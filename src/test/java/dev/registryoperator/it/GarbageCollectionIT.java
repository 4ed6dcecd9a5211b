package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.GarbageCollectionRun;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.GarbageCollectionJob;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Garbage collection's window on a real API server, with the operator as production assembles it
 * and deploy/'s RBAC: 1.20 has no controllers, so the test plays them - it reports the Deployment
 * rolled out, and it plays the Job controller and kubelet (the Job's status, its pod with the
 * report in its termination message). The annotation alone starts a run (the periodic pass is 10
 * minutes away), the registry is read-only before the Job exists, the Job goes once its report is
 * in status, and the run ends read-write with one Event; the same after an operator restart in the
 * middle of the window, and after a failed Job.
 */
class GarbageCollectionIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final String API_VERSION = PrivateRegistry.GROUP + "/" + PrivateRegistry.VERSION;
  private static final String REGISTRY = "demo";
  private static final RegistryNames NAMES = RegistryNames.of(REGISTRY);

  private static final String REPORT =
      "{\"exitStatus\":0,\"kibBefore\":20480,\"kibAfter\":8192,\"blobsMarked\":4,"
          + "\"blobsEligible\":3,\"manifestsEligible\":0,\"lastLine\":\"Deleting blob\"}";

  private static OperatorUnderTest operator;

  @BeforeAll
  static void startOperator() {
    operator = OperatorUnderTest.start(API);
  }

  @AfterAll
  static void stopOperator() {
    if (operator != null) {
      operator.close();
    }
  }

  @Test
  void aRequestRunsTheWholeWindowAndEndsReadWriteWithItsFigures() {
    TestNamespace namespace = servingRegistry("gc-sequence");
    String readWriteHash = configHash(namespace);

    request(namespace, "first");
    PrivateRegistry readOnly = awaitStage(namespace, GarbageCollectionRun.READ_ONLY);
    assertThat(readOnly.getStatus().garbageCollection.current.trigger)
        .isEqualTo(GarbageCollectionRun.REQUESTED);
    assertThat(readOnly.getStatus().garbageCollection.lastRequest).isEqualTo("first");
    TestNamespace.await("the registry's config to turn read-only")
        .until(() -> registryConfig(namespace).contains("readonly:"));
    TestNamespace.await("the pod template to roll to the read-only config")
        .until(() -> !configHash(namespace).equals(readWriteHash));
    assertThat(namespace.get(Job.class, NAMES.garbageCollectionJob()))
        .as("the Job, before the registry runs read-only")
        .isNull();

    namespace.setDeploymentAvailable(NAMES.deployment(), true);
    awaitStage(namespace, GarbageCollectionRun.COLLECTING);
    Job job = namespace.awaitPresent(Job.class, NAMES.garbageCollectionJob());
    TestNamespace.assertControlledBy(
        job, namespace.registry(REGISTRY), API_VERSION, "PrivateRegistry");
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry:2.8.3");

    // Plays the volume controller: a bound claim of 10Mi, of which the report's 8 MiB are 80 %,
    // the default warning threshold.
    namespace
        .kube()
        .persistentVolumeClaims()
        .inNamespace(namespace.name())
        .withName(NAMES.claim())
        .editStatus(
            claim ->
                new PersistentVolumeClaimBuilder(claim)
                    .withNewStatus()
                    .withPhase("Bound")
                    .addToCapacity(Keys.STORAGE_RESOURCE, new Quantity("10Mi"))
                    .endStatus()
                    .build());
    finishJob(namespace, job, true, REPORT);
    PrivateRegistry closing = awaitStage(namespace, GarbageCollectionRun.READ_WRITE);
    GarbageCollectionRun run = closing.getStatus().garbageCollection.current;
    assertThat(run.outcome).isEqualTo(GarbageCollectionRun.SUCCEEDED);
    assertThat(run.bytesBefore).isEqualTo(20480L * 1024);
    assertThat(run.bytesAfter).isEqualTo(8192L * 1024);
    assertThat(run.blobsRemoved).isEqualTo(3L);
    TestNamespace.await("the Job to be deleted once its report is in status")
        .until(() -> namespace.get(Job.class, NAMES.garbageCollectionJob()) == null);
    TestNamespace.await("the registry's config to turn read-write again")
        .until(() -> !registryConfig(namespace).contains("readonly:"));
    assertThat(configHash(namespace)).as("the pod template's config hash").isEqualTo(readWriteHash);

    namespace.setDeploymentAvailable(NAMES.deployment(), true);
    PrivateRegistry done = awaitIdle(namespace);
    GarbageCollectionRun last = done.getStatus().garbageCollection.last;
    assertThat(last.outcome).isEqualTo(GarbageCollectionRun.SUCCEEDED);
    assertThat(last.finished).isNotNull();
    assertThat(last.stage).isNull();
    assertThat(last.message).contains("Removed 3 blobs");
    List<Event> events = events(namespace, "GarbageCollected");
    assertThat(events).as("Events GarbageCollected").singleElement();
    assertThat(events.get(0).getType()).isEqualTo("Normal");
    assertThat(events.get(0).getMessage()).contains("Removed 3 blobs").contains("read-only for");
    assertThat(TestNamespace.readyReason(done)).isEqualTo("Available");

    assertThat(done.getStatus().storage.usedBytes).isEqualTo(8192L * 1024);
    assertThat(done.getStatus().storage.usedPercent).isEqualTo(80);
    assertThat(done.getStatus().storage.usedMeasured).isEqualTo(last.finished);
    List<Event> nearlyFull = events(namespace, "StorageNearlyFull");
    assertThat(nearlyFull).as("Events StorageNearlyFull").singleElement();
    assertThat(nearlyFull.get(0).getType()).isEqualTo("Warning");
    assertThat(nearlyFull.get(0).getMessage()).contains("80 %");
  }

  @Test
  void anOperatorRestartedInTheWindowFinishesIt() {
    TestNamespace namespace = servingRegistry("gc-restart");
    request(namespace, "before-restart");
    awaitStage(namespace, GarbageCollectionRun.READ_ONLY);
    namespace.setDeploymentAvailable(NAMES.deployment(), true);
    PrivateRegistry collecting = awaitStage(namespace, GarbageCollectionRun.COLLECTING);
    Job job = namespace.awaitPresent(Job.class, NAMES.garbageCollectionJob());
    String started = collecting.getStatus().garbageCollection.current.started;

    operator.stop();
    finishJob(namespace, job, true, REPORT);
    operator.startAgain();

    PrivateRegistry closing = awaitStage(namespace, GarbageCollectionRun.READ_WRITE);
    assertThat(closing.getStatus().garbageCollection.current.started)
        .as("the same run")
        .isEqualTo(started);
    assertThat(closing.getStatus().garbageCollection.current.outcome)
        .isEqualTo(GarbageCollectionRun.SUCCEEDED);
    TestNamespace.await("the Job to be deleted")
        .until(() -> namespace.get(Job.class, NAMES.garbageCollectionJob()) == null);
    namespace.setDeploymentAvailable(NAMES.deployment(), true);
    PrivateRegistry done = awaitIdle(namespace);
    assertThat(done.getStatus().garbageCollection.last.started).isEqualTo(started);
    assertThat(events(namespace, "GarbageCollected")).as("one Event for the run").hasSize(1);
    assertThat(registryConfig(namespace)).doesNotContain("readonly:");
  }

  @Test
  void aFailedJobLeavesTheRegistryReadWriteAndSaysWhy() {
    TestNamespace namespace = servingRegistry("gc-failure");
    request(namespace, "doomed");
    awaitStage(namespace, GarbageCollectionRun.READ_ONLY);
    namespace.setDeploymentAvailable(NAMES.deployment(), true);
    awaitStage(namespace, GarbageCollectionRun.COLLECTING);
    Job job = namespace.awaitPresent(Job.class, NAMES.garbageCollectionJob());

    // Stopped at its deadline before its container wrote anything.
    finishJob(namespace, job, false, null);

    PrivateRegistry closing = awaitStage(namespace, GarbageCollectionRun.READ_WRITE);
    GarbageCollectionRun run = closing.getStatus().garbageCollection.current;
    assertThat(run.outcome).isEqualTo(GarbageCollectionRun.FAILED);
    assertThat(run.message).contains("without a report").contains("DeadlineExceeded");
    TestNamespace.await("the registry's config to turn read-write again")
        .until(() -> !registryConfig(namespace).contains("readonly:"));
    namespace.setDeploymentAvailable(NAMES.deployment(), true);
    PrivateRegistry done = awaitIdle(namespace);
    assertThat(done.getStatus().garbageCollection.last.outcome)
        .isEqualTo(GarbageCollectionRun.FAILED);
    List<Event> failed = events(namespace, "GarbageCollectionFailed");
    assertThat(failed).as("Events GarbageCollectionFailed").singleElement();
    assertThat(failed.get(0).getType()).isEqualTo("Warning");
    assertThat(failed.get(0).getMessage()).contains("DeadlineExceeded");
    assertThat(TestNamespace.readyReason(done)).isEqualTo("Available");
  }

  @Test
  void aScheduleThatIsNoCronScheduleIsReportedOnce() {
    TestNamespace namespace = TestNamespace.create(API, "gc-bad-schedule");
    namespace.create(
        """
        apiVersion: %s
        kind: PrivateRegistry
        metadata:
          name: %s
        spec:
          maintenance:
            garbageCollection:
              schedule: "every sunday"
        """
            .formatted(API_VERSION, REGISTRY));

    PrivateRegistry reported = namespace.awaitReady(REGISTRY, "GarbageCollectionScheduleInvalid");
    assertThat(TestNamespace.ready(reported).orElseThrow().getMessage())
        .contains("'every sunday' is not a 5-field cron schedule");
    operator.awaitQuiet(namespace, java.time.Duration.ofSeconds(3));
    assertThat(events(namespace, "GarbageCollectionScheduleInvalid")).hasSize(1);
    assertThat(namespace.get(Deployment.class, NAMES.deployment()))
        .as("nothing is applied for an invalid spec")
        .isNull();
  }

  @Test
  void aValidScheduleIsSteppedIntoStatus() {
    TestNamespace namespace = TestNamespace.create(API, "gc-schedule");
    namespace.create(
        """
        apiVersion: %s
        kind: PrivateRegistry
        metadata:
          name: %s
        spec:
          maintenance:
            garbageCollection:
              schedule: "30 3 * * 0"
        """
            .formatted(API_VERSION, REGISTRY));

    PrivateRegistry registry =
        namespace.awaitRegistry(
            REGISTRY,
            "nextScheduledTime in status",
            r ->
                r.getStatus().garbageCollection != null
                    && r.getStatus().garbageCollection.nextScheduledTime != null);
    Instant next = Instant.parse(registry.getStatus().garbageCollection.nextScheduledTime);
    assertThat(next).isAfter(Instant.now()).isBefore(Instant.now().plus(8, ChronoUnit.DAYS));
    assertThat(next.toString()).endsWith("T03:30:00Z");
    assertThat(registry.getStatus().garbageCollection.current).isNull();
  }

  /**
   * A schedule that comes due starts a run with no event at all: the operator asked JOSDK to wake
   * it at the next scheduled time. While the registry is read-only its Ready message says so.
   */
  @Test
  void aDueScheduleStartsARunByItself() {
    TestNamespace namespace =
        servingRegistry(
            "gc-due",
            """
            spec:
              maintenance:
                garbageCollection:
                  schedule: "* * * * *"
            """);
    PrivateRegistry started =
        org.awaitility.Awaitility.await("a scheduled run to start")
            .atMost(java.time.Duration.ofSeconds(100))
            .pollInterval(java.time.Duration.ofMillis(200))
            .until(() -> namespace.registry(REGISTRY), inStage(GarbageCollectionRun.READ_ONLY));
    GarbageCollectionRun run = started.getStatus().garbageCollection.current;
    assertThat(run.trigger).isEqualTo(GarbageCollectionRun.SCHEDULE);
    // Every minute: a run started on time starts in the first seconds of a minute.
    long late = Instant.parse(run.started).getEpochSecond() % 60;
    System.out.printf(
        "[it] GarbageCollectionIT: a scheduled run started %d s after its time%n", late);
    assertThat(late).as("seconds between the scheduled time and the run's start").isLessThan(15L);
    assertThat(Instant.parse(started.getStatus().garbageCollection.nextScheduledTime))
        .as("the schedule moved on")
        .isAfter(Instant.parse(run.started));

    namespace.setDeploymentAvailable(NAMES.deployment(), true);
    PrivateRegistry readOnly = awaitStage(namespace, GarbageCollectionRun.COLLECTING);
    assertThat(TestNamespace.ready(readOnly).orElseThrow().getMessage())
        .contains("read-only while garbage collection runs");
    namespace.kube().resource(readOnly).delete();
  }

  // ---------------------------------------------------------------------------------------------

  private static TestNamespace servingRegistry(String prefix) {
    return servingRegistry(prefix, "");
  }

  private static TestNamespace servingRegistry(String prefix, String specYaml) {
    TestNamespace namespace = TestNamespace.create(API, prefix);
    // Pods need their namespace's ServiceAccount, which 1.20 has no controller to create.
    namespace
        .kube()
        .serviceAccounts()
        .inNamespace(namespace.name())
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("default")
                .withNamespace(namespace.name())
                .endMetadata()
                .build())
        .createOr(existing -> existing.update());
    namespace.create(
        """
        apiVersion: %s
        kind: PrivateRegistry
        metadata:
          name: %s
        """
                .formatted(API_VERSION, REGISTRY)
            + specYaml);
    namespace.awaitPresent(Deployment.class, NAMES.deployment());
    namespace.setDeploymentAvailable(NAMES.deployment(), true);
    namespace.awaitReady(REGISTRY, "Available");
    return namespace;
  }

  private static void request(TestNamespace namespace, String value) {
    namespace
        .kube()
        .resources(PrivateRegistry.class)
        .inNamespace(namespace.name())
        .withName(REGISTRY)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\""
                + Keys.COLLECT_GARBAGE_ANNOTATION
                + "\":\""
                + value
                + "\"}}}");
  }

  private static PrivateRegistry awaitStage(TestNamespace namespace, String stage) {
    return namespace.awaitRegistry(REGISTRY, "garbage collection stage " + stage, inStage(stage));
  }

  private static Predicate<PrivateRegistry> inStage(String stage) {
    return r ->
        r.getStatus().garbageCollection != null
            && r.getStatus().garbageCollection.current != null
            && stage.equals(r.getStatus().garbageCollection.current.stage);
  }

  private static PrivateRegistry awaitIdle(TestNamespace namespace) {
    return namespace.awaitRegistry(
        REGISTRY,
        "garbage collection over",
        r ->
            r.getStatus().garbageCollection != null
                && r.getStatus().garbageCollection.current == null
                && r.getStatus().garbageCollection.last != null);
  }

  private static String registryConfig(TestNamespace namespace) {
    ConfigMap config = namespace.get(ConfigMap.class, NAMES.configMap());
    return config.getData().get(Keys.REGISTRY_CONFIG);
  }

  private static String configHash(TestNamespace namespace) {
    return namespace
        .get(Deployment.class, NAMES.deployment())
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get(Keys.CONFIG_HASH_ANNOTATION);
  }

  /**
   * Plays kubelet and the Job controller: the Job's pod terminated with this termination message
   * (none for a container killed before it wrote one), then the Job's status, as 1.36 validates it
   * (the interim SuccessCriteriaMet / FailureTarget conditions first).
   */
  private static void finishJob(
      TestNamespace namespace, Job job, boolean succeeded, String report) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    if (report != null) {
      Pod pod =
          namespace
              .kube()
              .pods()
              .inNamespace(namespace.name())
              .resource(
                  new PodBuilder()
                      .withNewMetadata()
                      .withName(job.getMetadata().getName() + "-x7k2p")
                      .withNamespace(namespace.name())
                      .withLabels(job.getSpec().getTemplate().getMetadata().getLabels())
                      .endMetadata()
                      .withSpec(job.getSpec().getTemplate().getSpec())
                      .build())
              .create();
      pod.setStatus(
          new io.fabric8.kubernetes.api.model.PodStatusBuilder()
              .withPhase(succeeded ? "Succeeded" : "Failed")
              .withContainerStatuses(
                  new ContainerStatusBuilder()
                      .withName(GarbageCollectionJob.CONTAINER)
                      .withImage(
                          job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                      .withImageID("")
                      .withReady(false)
                      .withRestartCount(0)
                      .withNewState()
                      .withNewTerminated()
                      .withExitCode(succeeded ? 0 : 1)
                      .withReason(succeeded ? "Completed" : "Error")
                      .withMessage(report)
                      .withStartedAt(now)
                      .withFinishedAt(now)
                      .endTerminated()
                      .endState()
                      .build())
              .build());
      namespace.kube().pods().inNamespace(namespace.name()).resource(pod).updateStatus();
    }
    TestNamespace.await("the Job's status to be written")
        .ignoreException(KubernetesClientException.class)
        .until(
            () -> {
              Job current = namespace.get(Job.class, job.getMetadata().getName());
              JobStatusBuilder status = new JobStatusBuilder().withStartTime(now).withActive(0);
              if (succeeded) {
                status
                    .withSucceeded(1)
                    .withCompletionTime(now)
                    .withConditions(
                        condition("SuccessCriteriaMet", "CompletionsReached", now),
                        condition("Complete", "CompletionsReached", now));
              } else {
                status
                    .withFailed(1)
                    .withConditions(
                        condition("FailureTarget", "DeadlineExceeded", now),
                        condition("Failed", "DeadlineExceeded", now));
              }
              current.setStatus(status.build());
              namespace.kube().resource(current).updateStatus();
              return true;
            });
  }

  private static io.fabric8.kubernetes.api.model.batch.v1.JobCondition condition(
      String type, String reason, String now) {
    return new JobConditionBuilder()
        .withType(type)
        .withStatus("True")
        .withReason(reason)
        .withMessage(
            reason.equals("DeadlineExceeded")
                ? "Job was active longer than specified deadline"
                : "written by the integration test")
        .withLastProbeTime(now)
        .withLastTransitionTime(now)
        .build();
  }

  private static List<Event> events(TestNamespace namespace, String reason) {
    return namespace.kube().v1().events().inNamespace(namespace.name()).list().getItems().stream()
        .filter(event -> reason.equals(event.getReason()))
        .toList();
  }
}
