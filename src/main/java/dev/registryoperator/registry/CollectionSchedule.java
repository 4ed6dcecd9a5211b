package dev.registryoperator.registry;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/** A garbage collection schedule: a 5-field Unix cron expression, in UTC. */
final class CollectionSchedule {

  private static final CronParser UNIX =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private CollectionSchedule() {}

  /** Why the expression is not a schedule, or empty when it is one. */
  static Optional<String> problem(String expression) {
    try {
      ExecutionTime times = ExecutionTime.forCron(UNIX.parse(expression.strip()).validate());
      // Day 31 of February parses but never comes.
      if (times.nextExecution(Instant.EPOCH.atZone(ZoneOffset.UTC)).isEmpty()) {
        return Optional.of("it never comes");
      }
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of(e.getMessage() == null ? "not a cron expression" : e.getMessage());
    }
  }

  /** The first time the schedule fires strictly after {@code now}, to the second. */
  static Optional<Instant> next(String expression, Instant now) {
    return ExecutionTime.forCron(UNIX.parse(expression.strip()))
        .nextExecution(now.truncatedTo(ChronoUnit.SECONDS).atZone(ZoneOffset.UTC))
        .map(time -> time.toInstant());
  }
}
