package dev.registryoperator.status;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A reconcile whose only failures are children the API server refused as invalid (422): what the
 * spec asks for is something the server will not accept however often it is sent - a node port
 * outside the cluster's node port range, a memory request above its limit. That is the user's to
 * fix, so it is reported as an input problem and not retried; a change of the spec reconciles
 * again. Any other failure among them may be a brief cluster error and keeps the retry.
 */
public final class RefusedChildren {

  public static final String REASON = "RefusedByApiServer";

  /** The server's words are cut here: a status message is for people, not for dumps. */
  private static final int MAX_QUOTED = 300;

  private static final String SECRET = "Secret";

  private RefusedChildren() {}

  /**
   * @return the problem to report when every failure of the reconcile is a 422 refusal of a child
   */
  public static Optional<Problem> problem(Throwable error, String kindOfInput) {
    List<KubernetesClientException> refusals = new ArrayList<>();
    for (Throwable failure : ReconcileFailures.of(error)) {
      Optional<KubernetesClientException> refusal =
          ReconcileFailures.cause(failure, KubernetesClientException.class)
              .filter(api -> api.getCode() == 422);
      if (refusal.isEmpty()) {
        return Optional.empty();
      }
      refusals.add(refusal.get());
    }
    if (refusals.isEmpty()) {
      return Optional.empty();
    }
    String described =
        refusals.stream()
            .map(RefusedChildren::describe)
            .distinct()
            .sorted()
            .collect(Collectors.joining("; and "));
    return Optional.of(
        new Problem(
            REASON,
            "The API server refused "
                + described
                + ". Correct the "
                + kindOfInput
                + ": nothing is retried until it changes."));
  }

  /**
   * "Service 'demo' as invalid: spec.ports[0].nodePort: Invalid value: 80: ...". The causes of a
   * refused Secret are left out but for their fields, unless they are about its metadata (a name
   * too long): the others could quote what the Secret holds.
   */
  private static String describe(KubernetesClientException refusal) {
    Status status = refusal.getStatus();
    if (status == null || status.getDetails() == null) {
      return "a child as invalid (422)";
    }
    String kind = status.getDetails().getKind();
    String object =
        (kind == null ? "a child" : capitalized(kind))
            + (status.getDetails().getName() == null
                ? ""
                : " '" + status.getDetails().getName() + "'");
    List<StatusCause> causes =
        status.getDetails().getCauses() == null ? List.of() : status.getDetails().getCauses();
    String why =
        causes.stream()
            .map(
                cause ->
                    SECRET.equalsIgnoreCase(kind)
                            && !String.valueOf(cause.getField()).startsWith("metadata.")
                        ? String.valueOf(cause.getField())
                        : cause.getField() + ": " + cause.getMessage())
            .map(text -> text.strip().lines().findFirst().orElse(""))
            .collect(Collectors.joining("; "));
    if (why.length() > MAX_QUOTED) {
      why = why.substring(0, MAX_QUOTED) + "...";
    }
    return object + " as invalid" + (why.isEmpty() ? "" : ": " + why);
  }

  private static String capitalized(String kind) {
    return kind.isEmpty() ? kind : Character.toUpperCase(kind.charAt(0)) + kind.substring(1);
  }
}
