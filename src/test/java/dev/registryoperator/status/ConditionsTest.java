package dev.registryoperator.status;

import static dev.registryoperator.testing.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The condition rules kubectl users rely on, with a fixed clock. */
class ConditionsTest {

  private static final Instant LATER = NOW.plusSeconds(3_600);

  @Test
  void aNewConditionStartsItsTransitionNowToTheSecond() {
    List<Condition> conditions =
        Conditions.with(null, "Ready", false, "Pending", "Waiting.", 3L, NOW.plusMillis(750));

    assertThat(conditions)
        .singleElement()
        .satisfies(
            ready -> {
              assertThat(ready.getType()).isEqualTo("Ready");
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason()).isEqualTo("Pending");
              assertThat(ready.getMessage()).isEqualTo("Waiting.");
              assertThat(ready.getObservedGeneration()).isEqualTo(3L);
              assertThat(ready.getLastTransitionTime()).isEqualTo("2025-03-01T12:00:00Z");
            });
  }

  @Test
  void aNewReasonOrMessageWithTheSameStatusKeepsTheTransitionTime() {
    List<Condition> before = Conditions.with(null, "Ready", false, "Pending", "Waiting.", 1L, NOW);

    List<Condition> after =
        Conditions.with(
            before, "Ready", false, "DeploymentUnavailable", "0/1 available.", 2L, LATER);

    Condition ready = Conditions.find(after, "Ready").orElseThrow();
    assertThat(ready.getLastTransitionTime()).isEqualTo(NOW.toString());
    assertThat(ready.getReason()).isEqualTo("DeploymentUnavailable");
    assertThat(ready.getMessage()).isEqualTo("0/1 available.");
    assertThat(ready.getObservedGeneration()).isEqualTo(2L);
  }

  @Test
  void aFlipOfTheStatusMovesTheTransitionTime() {
    List<Condition> notReady =
        Conditions.with(null, "Ready", false, "Pending", "Waiting.", 1L, NOW);

    List<Condition> ready =
        Conditions.with(notReady, "Ready", true, "Available", "Serving.", 1L, LATER);
    List<Condition> notReadyAgain =
        Conditions.with(ready, "Ready", false, "Pending", "Waiting.", 1L, LATER.plusSeconds(60));

    assertThat(Conditions.find(ready, "Ready").orElseThrow().getLastTransitionTime())
        .isEqualTo(LATER.toString());
    assertThat(Conditions.find(notReadyAgain, "Ready").orElseThrow().getLastTransitionTime())
        .isEqualTo(LATER.plusSeconds(60).toString());
  }

  @Test
  void conditionsAreKeyedByTypeSortedAndOtherTypesKept() {
    Condition progressing = condition("Progressing", "True", "2025-01-01T00:00:00Z");
    Condition degraded = condition("Degraded", "False", "2025-01-02T00:00:00Z");
    List<Condition> existing =
        List.of(progressing, condition("Ready", "False", "2025-01-03T00:00:00Z"), degraded);

    List<Condition> updated =
        Conditions.with(existing, "Ready", true, "Available", "Serving.", 4L, NOW);
    List<Condition> added =
        Conditions.with(updated, "Archived", false, "No", "Not archived.", 4L, NOW);

    assertThat(updated)
        .extracting(Condition::getType)
        .containsExactly("Degraded", "Progressing", "Ready");
    assertThat(updated).contains(progressing, degraded);
    assertThat(added)
        .extracting(Condition::getType)
        .containsExactly("Archived", "Degraded", "Progressing", "Ready");
    assertThat(existing)
        .as("the given list is left as it was")
        .extracting(Condition::getStatus)
        .containsExactly("True", "False", "False");
  }

  @Test
  void sameComparesStatusAndReasonOfThatTypeOnly() {
    List<Condition> conditions =
        List.of(condition("Degraded", "True", "2025-01-01T00:00:00Z"), readyFalse("InvalidSpec"));

    assertThat(Conditions.same(conditions, "Ready", false, "InvalidSpec")).isTrue();
    assertThat(Conditions.same(conditions, "Ready", false, "ReconcileFailed")).isFalse();
    assertThat(Conditions.same(conditions, "Ready", true, "InvalidSpec")).isFalse();
    assertThat(Conditions.same(conditions, "Missing", false, "InvalidSpec")).isFalse();
    assertThat(Conditions.same(null, "Ready", false, "InvalidSpec")).isFalse();
  }

  @Test
  void isTrueOnlyForStatusTrueOfThatType() {
    List<Condition> conditions =
        List.of(condition("Degraded", "True", "2025-01-01T00:00:00Z"), readyFalse("Pending"));

    assertThat(Conditions.isTrue(conditions, "Degraded")).isTrue();
    assertThat(Conditions.isTrue(conditions, "Ready")).isFalse();
    assertThat(Conditions.isTrue(conditions, "Missing")).isFalse();
    assertThat(Conditions.isTrue(null, "Ready")).isFalse();
  }

  private static Condition readyFalse(String reason) {
    return new ConditionBuilder(condition("Ready", "False", "2025-01-01T00:00:00Z"))
        .withReason(reason)
        .build();
  }

  private static Condition condition(String type, String status, String lastTransitionTime) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason("Because")
        .withMessage(type + " is " + status + ".")
        .withObservedGeneration(1L)
        .withLastTransitionTime(lastTransitionTime)
        .build();
  }
}
