package dev.registryoperator.status;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Turns an exception into a message fit for status and Events. API errors are reduced to their code
 * and the kind and name involved: a full error text may quote request content, and that content can
 * be a Secret.
 */
public final class SafeErrors {

  private static final String OWN_PACKAGE = "dev.registryoperator.";

  private SafeErrors() {}

  public static String describe(Throwable error) {
    // The framework may wrap the workflow's failures (JOSDK's Micrometer metrics wrap every
    // failed reconcile in an OperatorException): look through the whole chain.
    var failures = ReconcileFailures.of(error);
    if (!failures.isEmpty() && !(failures.size() == 1 && failures.contains(error))) {
      return failures.stream()
          .map(SafeErrors::describe)
          .distinct()
          .sorted()
          .collect(Collectors.joining("; "));
    }
    Optional<KubernetesClientException> api =
        ReconcileFailures.cause(error, KubernetesClientException.class);
    if (api.isPresent()) {
      return describeApiError(api.get());
    }
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      Optional<String> own = ownMessage(cause);
      if (own.isPresent()) {
        return own.get();
      }
    }
    return error.getClass().getSimpleName();
  }

  /**
   * The message of an exception the operator itself threw: those are written to be shown and never
   * carry Secret content. A library's message is not shown: it may quote what it was given.
   */
  private static Optional<String> ownMessage(Throwable error) {
    StackTraceElement[] trace = error.getStackTrace();
    boolean ours = trace.length > 0 && trace[0].getClassName().startsWith(OWN_PACKAGE);
    // new SomeException(cause) without a message of its own takes the cause's text as its message
    boolean borrowed =
        error.getCause() != null && String.valueOf(error.getCause()).equals(error.getMessage());
    return ours && !borrowed && error.getMessage() != null
        ? Optional.of(error.getClass().getSimpleName() + ": " + error.getMessage())
        : Optional.empty();
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
