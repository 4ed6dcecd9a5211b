package dev.registryoperator.registry.dependent;

import dev.registryoperator.status.ReconcileFailures;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;

/**
 * The API server refused to update the data claim as invalid (422): a change it can never make, so
 * retrying is pointless. Carries the server's own message, which for a claim quotes nothing secret
 * - unlike API errors in general, which status and Events show only shortened.
 */
public final class ClaimUpdateRefused extends RuntimeException {

  private final String claim;
  private final String serverMessage;

  ClaimUpdateRefused(String claim, KubernetesClientException refusal) {
    super("the API server refused to update claim " + claim, refusal);
    this.claim = claim;
    this.serverMessage =
        refusal.getStatus() != null && refusal.getStatus().getMessage() != null
            ? refusal.getStatus().getMessage()
            : "422 Unprocessable Entity";
  }

  public String claim() {
    return claim;
  }

  public String serverMessage() {
    return serverMessage;
  }

  /**
   * The refusal, when it is all that went wrong in a failed reconcile (the workflow aggregates the
   * failures of its dependents). Together with other failures it is left to the usual retry: those
   * may be brief cluster errors.
   */
  public static Optional<ClaimUpdateRefused> soleFailureIn(Throwable error) {
    var failures = ReconcileFailures.of(error);
    return failures.size() == 1
        ? ReconcileFailures.cause(failures.iterator().next(), ClaimUpdateRefused.class)
        : Optional.empty();
  }
}
