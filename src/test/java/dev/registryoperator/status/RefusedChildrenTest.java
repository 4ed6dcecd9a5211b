package dev.registryoperator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import io.javaoperatorsdk.operator.OperatorException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which failed reconciles are the user's to fix (a child refused as invalid) and how they read. */
class RefusedChildrenTest {

  @Test
  void aChildRefusedAsInvalidIsReportedInTheServersWordsWithoutRetry() {
    KubernetesClientException refused =
        invalid(
            "Service",
            "demo",
            "spec.ports[0].nodePort",
            "Invalid value: 80: provided port is not in the valid range. The range of valid ports"
                + " is 30000-32767");

    // as JOSDK's metrics hand it over: the workflow's failures wrapped once more
    Throwable failure = new OperatorException(workflowFailure(Map.of("service", refused)));

    assertThat(RefusedChildren.problem(failure, "PrivateRegistry"))
        .hasValueSatisfying(
            problem -> {
              assertThat(problem.reason()).isEqualTo("RefusedByApiServer");
              assertThat(problem.message())
                  .isEqualTo(
                      "The API server refused Service 'demo' as invalid: spec.ports[0].nodePort:"
                          + " Invalid value: 80: provided port is not in the valid range. The"
                          + " range of valid ports is 30000-32767. Correct the PrivateRegistry:"
                          + " nothing is retried until it changes.");
            });
  }

  @Test
  void severalRefusalsAreAllNamed() {
    Map<String, Exception> failures = new LinkedHashMap<>();
    failures.put("service", invalid("Service", "demo", "spec.ports[0].nodePort", "bad port"));
    failures.put("deployment", invalid("Deployment", "demo", "spec.template", "bad request"));

    assertThat(RefusedChildren.problem(workflowFailure(failures), "PrivateRegistry"))
        .hasValueSatisfying(
            problem ->
                assertThat(problem.message())
                    .contains("Deployment 'demo' as invalid: spec.template: bad request; and")
                    .contains("Service 'demo' as invalid: spec.ports[0].nodePort: bad port"));
  }

  @Test
  void anyOtherFailureAmongThemKeepsTheRetry() {
    Map<String, Exception> failures = new LinkedHashMap<>();
    failures.put("service", invalid("Service", "demo", "spec.ports[0].nodePort", "bad port"));
    failures.put("config", new KubernetesClientException("conflict", 409, new Status()));

    assertThat(RefusedChildren.problem(workflowFailure(failures), "PrivateRegistry")).isEmpty();
    assertThat(RefusedChildren.problem(new IllegalStateException("boom"), "PrivateRegistry"))
        .isEmpty();
    assertThat(
            RefusedChildren.problem(
                new KubernetesClientException("unavailable", 503, new Status()), "RegistryUser"))
        .isEmpty();
  }

  /** A Secret's refusal could quote what it holds: only the fields are named. */
  @Test
  void aRefusedSecretIsDescribedByItsFieldsOnly() {
    KubernetesClientException refused =
        invalid("Secret", "demo-htpasswd", "data[htpasswd]", "Invalid value: \"s3cret-value\"");

    assertThat(RefusedChildren.problem(refused, "PrivateRegistry"))
        .hasValueSatisfying(
            problem ->
                assertThat(problem.message())
                    .contains("Secret 'demo-htpasswd' as invalid: data[htpasswd]")
                    .doesNotContain("s3cret-value"));
  }

  @Test
  void aSecretsNameIsNoSecret() {
    KubernetesClientException refused =
        invalid(
            "Secret",
            "bob-htpasswd-entry",
            "metadata.name",
            "Invalid value: \"bob-htpasswd-entry\": must be no more than 253 characters");

    assertThat(RefusedChildren.problem(refused, "RegistryUser"))
        .hasValueSatisfying(
            problem ->
                assertThat(problem.message())
                    .contains("metadata.name: Invalid value:")
                    .contains("must be no more than 253 characters")
                    .endsWith("Correct the RegistryUser: nothing is retried until it changes."));
  }

  private static KubernetesClientException invalid(
      String kind, String name, String field, String message) {
    return new KubernetesClientException(
        "Failure executing: PATCH ...",
        422,
        new StatusBuilder()
            .withCode(422)
            .withReason("Invalid")
            .withMessage(kind + " \"" + name + "\" is invalid: " + field + ": " + message)
            .withNewDetails()
            .withKind(kind)
            .withName(name)
            .addNewCause()
            .withField(field)
            .withMessage(message)
            .withReason("FieldValueInvalid")
            .endCause()
            .endDetails()
            .build());
  }

  private static AggregatedOperatorException workflowFailure(Map<String, Exception> failures) {
    return new AggregatedOperatorException("Exception(s) during workflow execution.", failures);
  }
}
