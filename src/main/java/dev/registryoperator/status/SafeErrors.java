package dev.registryoperator.status;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import java.util.stream.Collectors;

/**
 * Turns an exception into a message fit for status and Events. API errors are reduced to their code
 * and the kind and name involved: a full error text may quote request content, and that content can
 * be a Secret.
 */
public final class SafeErrors {

  private SafeErrors() {}

  public static String describe(Throwable error) {
    if (error instanceof AggregatedOperatorException aggregated
        && !aggregated.getAggregatedExceptions().isEmpty()) {
      return aggregated.getAggregatedExceptions().values().stream()
          .map(SafeErrors::describe)
          .distinct()
          .sorted()
          .collect(Collectors.joining("; "));
    }
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof KubernetesClientException api) {
        return describeApiError(api);
      }
    }
    return error.getClass().getSimpleName();
  }

  private static String describeApiError(KubernetesClientException api) {
    StringBuilder text = new StringBuilder("API server answered ").append(api.getCode());
    var status = api.getStatus();
    if (status != null && status.getReason() != null) {
      text.append(" (").append(status.getReason()).append(")");
    }
    if (status != null && status.getDetails() != null && status.getDetails().getName() != null) {
      text.append(" for ")
          .append(status.getDetails().getKind())
          .append(" ")
          .append(status.getDetails().getName());
    }
    return text.toString();
  }
}
