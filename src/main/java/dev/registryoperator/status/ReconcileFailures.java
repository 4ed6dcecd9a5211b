package dev.registryoperator.status;

import io.javaoperatorsdk.operator.AggregatedOperatorException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * What went wrong in a failed reconcile: the workflow aggregates the failures of its dependents
 * into one exception, and each failure wraps its cause. The checks that tell a user's mistake from
 * a cluster error read failures through here.
 */
public final class ReconcileFailures {

  private ReconcileFailures() {}

  /** Each failure of the reconcile: the dependents' when the workflow aggregated them. */
  public static Collection<? extends Throwable> of(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof AggregatedOperatorException aggregated) {
        return aggregated.getAggregatedExceptions().values();
      }
    }
    return List.of(error);
  }

  /** The first exception of the given type in a failure's chain of causes. */
  public static <T extends Throwable> Optional<T> cause(Throwable failure, Class<T> type) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (type.isInstance(cause)) {
        return Optional.of(type.cast(cause));
      }
    }
    return Optional.empty();
  }
}
