package dev.registryoperator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Conditions keyed by type. lastTransitionTime moves only when the status flips, so a condition
 * that stays the same writes nothing new.
 */
public final class Conditions {

  public static final String READY = "Ready";

  private Conditions() {}

  public static List<Condition> with(
      List<Condition> existing,
      String type,
      boolean status,
      String reason,
      String message,
      Long observedGeneration,
      Instant now) {
    String statusText = status ? "True" : "False";
    Optional<Condition> previous = find(existing, type);
    String transitionTime =
        previous
            .filter(condition -> statusText.equals(condition.getStatus()))
            .map(Condition::getLastTransitionTime)
            .orElse(now.truncatedTo(ChronoUnit.SECONDS).toString());
    Condition condition =
        new ConditionBuilder()
            .withType(type)
            .withStatus(statusText)
            .withReason(reason)
            .withMessage(message)
            .withObservedGeneration(observedGeneration)
            .withLastTransitionTime(transitionTime)
            .build();
    List<Condition> updated = new ArrayList<>();
    if (existing != null) {
      existing.stream().filter(c -> !type.equals(c.getType())).forEach(updated::add);
    }
    updated.add(condition);
    updated.sort((a, b) -> a.getType().compareTo(b.getType()));
    return updated;
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return Optional.empty();
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  /** True when the condition of that type has this status and reason already. */
  public static boolean same(
      List<Condition> conditions, String type, boolean status, String reason) {
    return find(conditions, type)
        .map(
            c ->
                Objects.equals(c.getStatus(), status ? "True" : "False")
                    && Objects.equals(c.getReason(), reason))
        .orElse(false);
  }
}
