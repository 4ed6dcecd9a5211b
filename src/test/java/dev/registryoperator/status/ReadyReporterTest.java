package dev.registryoperator.status;

import static dev.registryoperator.testing.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistryStatus;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.testing.RecordingEventRecorder;
import dev.registryoperator.testing.RecordingEventRecorder.Recorded;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How Ready and Warning Events are reported, with a fixed clock and the Events kept in memory: one
 * Warning per problem and generation, one per run of failed reconciles.
 */
class ReadyReporterTest {

  private static final Clock LATER = Clock.fixed(NOW.plusSeconds(600), ZoneOffset.UTC);

  private final RecordingEventRecorder events = new RecordingEventRecorder();
  private final ReadyReporter<PrivateRegistry, PrivateRegistryStatus> reporter =
      reporter(Fixtures.CLOCK);

  @Test
  void setReadyStampsTheResourcesGenerationAndTheClock() {
    PrivateRegistry registry = Fixtures.registry();
    registry.getMetadata().setGeneration(5L);
    PrivateRegistryStatus status = reporter.editableStatus(registry);

    reporter.setReady(registry, status, false, "Pending", "Waiting.");

    Condition ready = Conditions.find(status.conditions, Conditions.READY).orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("Pending");
    assertThat(ready.getObservedGeneration()).isEqualTo(5L);
    assertThat(ready.getLastTransitionTime()).isEqualTo(NOW.toString());
  }

  @Test
  void theEditableStatusIsACopyTheCachedResourceKeepsItsOwn() {
    PrivateRegistry registry = Fixtures.registry();
    registry.setStatus(new PrivateRegistryStatus());
    registry.getStatus().users = 1;

    PrivateRegistryStatus editable = reporter.editableStatus(registry);
    editable.users = 2;
    reporter.setReady(registry, editable, true, "Available", "Serving.");

    assertThat(editable.users).isEqualTo(2);
    assertThat(registry.getStatus().users).isEqualTo(1);
    assertThat(registry.getStatus().conditions).isEmpty();
  }

  @Test
  void aProblemIsWarnedOncePerGeneration() {
    PrivateRegistry registry = Fixtures.registry();
    Problem invalid = new Problem("InvalidSpec", "spec.service.nodePort needs type NodePort.");

    reportProblem(registry, invalid);
    reportProblem(registry, invalid);
    reportProblem(registry, invalid);

    assertThat(events.events())
        .containsExactly(
            new Recorded(
                "Warning", "demo", "InvalidSpec", "spec.service.nodePort needs type NodePort."));

    registry.getMetadata().setGeneration(2L);
    reportProblem(registry, invalid);
    reportProblem(registry, invalid);

    assertThat(events.warnings())
        .extracting(Recorded::reason)
        .containsExactly("InvalidSpec", "InvalidSpec");
  }

  @Test
  void aNewReasonIsWarnedAgainInTheSameGeneration() {
    PrivateRegistry registry = Fixtures.registry();

    reportProblem(registry, new Problem("TlsSecretNotFound", "Secret own-cert not found."));
    reportProblem(registry, new Problem("TlsSecretInvalid", "Secret own-cert has no tls.key."));
    reportProblem(registry, new Problem("TlsSecretInvalid", "Secret own-cert has no tls.key."));

    assertThat(events.warnings())
        .extracting(Recorded::reason)
        .containsExactly("TlsSecretNotFound", "TlsSecretInvalid");
  }

  @Test
  void aProblemThatReturnsAfterReadyIsWarnedAgain() {
    PrivateRegistry registry = Fixtures.registry();
    Problem missing = new Problem("TlsSecretNotFound", "Secret own-cert not found.");
    reportProblem(registry, missing);

    PrivateRegistryStatus ready = reporter.editableStatus(registry);
    reporter.setReady(registry, ready, true, "Available", "Serving.");
    registry.setStatus(ready);
    reportProblem(registry, missing);

    assertThat(events.warnings())
        .extracting(Recorded::reason)
        .containsExactly("TlsSecretNotFound", "TlsSecretNotFound");
  }

  @Test
  void aFailedReconcileIsReadyFalseWithOneWarningAndKeepsTheRestOfTheStatus() {
    PrivateRegistry registry = Fixtures.registry();
    PrivateRegistryStatus serving = new PrivateRegistryStatus();
    serving.url = "https://demo.team-a.svc:15000";
    reporter.setReady(registry, serving, true, "Available", "Serving.");
    registry.setStatus(serving);

    PrivateRegistryStatus failed =
        reporter(LATER).failedStatus(registry, apiError(409, "Conflict"));

    String message = "Reconcile failed, retrying: API server answered 409 (Conflict)";
    assertThat(events.events())
        .containsExactly(new Recorded("Warning", "demo", "ReconcileFailed", message));
    assertThat(failed.url).as("the rest of the status is kept").isEqualTo(serving.url);
    Condition ready = Conditions.find(failed.conditions, Conditions.READY).orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("ReconcileFailed");
    assertThat(ready.getMessage()).isEqualTo(message);
    assertThat(ready.getLastTransitionTime()).isEqualTo(LATER.instant().toString());
    assertThat(Conditions.isTrue(registry.getStatus().conditions, Conditions.READY))
        .as("the cached resource is not edited")
        .isTrue();
  }

  @Test
  void repeatedFailuresWarnOnceUntilTheReasonChanges() {
    PrivateRegistry registry = Fixtures.registry();

    fail(registry, apiError(409, "Conflict"));
    fail(registry, apiError(500, "InternalError"));
    fail(registry, apiError(409, "Conflict"));

    assertThat(events.warnings()).hasSize(1);
    assertThat(Conditions.find(registry.getStatus().conditions, Conditions.READY).orElseThrow())
        .as("the condition tells the latest failure")
        .extracting(Condition::getMessage)
        .isEqualTo("Reconcile failed, retrying: API server answered 409 (Conflict)");

    PrivateRegistryStatus waiting = reporter.editableStatus(registry);
    reporter.setReady(registry, waiting, false, "DeploymentUnavailable", "0/1 available.");
    registry.setStatus(waiting);
    fail(registry, apiError(409, "Conflict"));

    assertThat(events.warnings())
        .extracting(Recorded::reason)
        .containsExactly("ReconcileFailed", "ReconcileFailed");
  }

  @Test
  void aLibrarysExceptionTextReachesNeitherTheEventNorTheStatus() {
    PrivateRegistry registry = Fixtures.registry();
    IllegalArgumentException parsing =
        new IllegalArgumentException("cannot parse -----BEGIN PRIVATE KEY----- MIIEvQIBADANBg");
    parsing.setStackTrace(
        new StackTraceElement[] {
          new StackTraceElement("org.bouncycastle.X", "parse", "X.java", 1)
        });

    PrivateRegistryStatus failed =
        reporter.failedStatus(
            registry, new AggregatedOperatorException("workflow", Map.of("tls", parsing)));

    String message = "Reconcile failed, retrying: IllegalArgumentException";
    assertThat(events.warnings()).extracting(Recorded::message).containsExactly(message);
    assertThat(Conditions.find(failed.conditions, Conditions.READY).orElseThrow())
        .extracting(Condition::getMessage)
        .isEqualTo(message);
  }

  /** What the reconcilers do with a problem in the input; the status patch lands as on a server. */
  private void reportProblem(PrivateRegistry registry, Problem problem) {
    reporter.warnOnce(registry, problem);
    PrivateRegistryStatus status = reporter.editableStatus(registry);
    status.observedGeneration = registry.getMetadata().getGeneration();
    reporter.setReady(registry, status, false, problem.reason(), problem.message());
    if (StatusPatches.changed(registry.getStatus(), status)) {
      registry.setStatus(status);
    }
  }

  private void fail(PrivateRegistry registry, Exception error) {
    registry.setStatus(reporter.failedStatus(registry, error));
  }

  private ReadyReporter<PrivateRegistry, PrivateRegistryStatus> reporter(Clock clock) {
    return new ReadyReporter<>(
        PrivateRegistryStatus.class,
        PrivateRegistryStatus::new,
        PrivateRegistry::new,
        events,
        clock);
  }

  private static KubernetesClientException apiError(int code, String reason) {
    return new KubernetesClientException(
        new StatusBuilder()
            .withCode(code)
            .withReason(reason)
            .withMessage("Secret \"demo-tls\" is invalid: data[tls.key]: LS0tLS1CRUdJTi...")
            .build());
  }
}
