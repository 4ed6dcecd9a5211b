package dev.registryoperator.registry.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a refused claim update is told apart from the failures that deserve a retry. */
class ClaimUpdateRefusedTest {

  private static final String SERVER_MESSAGE =
      "PersistentVolumeClaim \"demo-data\" is invalid: spec: Forbidden: spec is immutable";

  @Test
  void carriesTheServersOwnMessage() {
    ClaimUpdateRefused refused = new ClaimUpdateRefused("demo-data", invalid());

    assertThat(refused.claim()).isEqualTo("demo-data");
    assertThat(refused.serverMessage()).isEqualTo(SERVER_MESSAGE);
  }

  @Test
  void isFoundWhenItIsTheWorkflowsOnlyFailure() {
    ClaimUpdateRefused refused = new ClaimUpdateRefused("demo-data", invalid());

    assertThat(ClaimUpdateRefused.soleFailureIn(workflowFailure(Map.of("claim", refused))))
        .containsSame(refused);
    assertThat(ClaimUpdateRefused.soleFailureIn(new RuntimeException("wrapped", refused)))
        .containsSame(refused);
  }

  @Test
  void isLeftToTheRetryTogetherWithOtherFailures() {
    // The other failure may be a brief cluster error: it must keep its retry.
    Exception conflict = new KubernetesClientException("conflict", 409, new Status());

    assertThat(
            ClaimUpdateRefused.soleFailureIn(
                workflowFailure(
                    Map.of(
                        "claim",
                        new ClaimUpdateRefused("demo-data", invalid()),
                        "deployment",
                        conflict))))
        .isEmpty();
    assertThat(ClaimUpdateRefused.soleFailureIn(workflowFailure(Map.of("deployment", conflict))))
        .isEmpty();
    assertThat(ClaimUpdateRefused.soleFailureIn(invalid())).as("a 422 of something else").isEmpty();
  }

  private static KubernetesClientException invalid() {
    return new KubernetesClientException(
        "Failure executing: PATCH ...",
        422,
        new StatusBuilder()
            .withCode(422)
            .withReason("Invalid")
            .withMessage(SERVER_MESSAGE)
            .build());
  }

  private static AggregatedOperatorException workflowFailure(Map<String, Exception> failures) {
    return new AggregatedOperatorException("Exception(s) during workflow execution.", failures);
  }
}
