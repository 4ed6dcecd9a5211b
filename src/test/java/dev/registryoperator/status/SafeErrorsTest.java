package dev.registryoperator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What reaches status and Events of an exception: never text that could quote a Secret. */
class SafeErrorsTest {

  @Test
  void apiErrorsAreReducedToCodeReasonAndObject() {
    KubernetesClientException error =
        new KubernetesClientException(
            new StatusBuilder()
                .withCode(422)
                .withReason("Invalid")
                .withMessage("Secret \"demo-tls\" is invalid: data[tls.key]: LS0tLS1CRUdJTi...")
                .withNewDetails()
                .withKind("secrets")
                .withName("demo-tls")
                .endDetails()
                .build());

    assertThat(SafeErrors.describe(error))
        .isEqualTo("API server answered 422 (Invalid) for secrets demo-tls")
        .doesNotContain("LS0t");
  }

  @Test
  void theOperatorsOwnMessagesAreShown() {
    IllegalStateException own = new IllegalStateException("CA Secret not yet in the cache");
    own.setStackTrace(
        new StackTraceElement[] {
          new StackTraceElement("dev.registryoperator.registry.dependent.X", "desired", "X.java", 1)
        });

    assertThat(SafeErrors.describe(own))
        .isEqualTo("IllegalStateException: CA Secret not yet in the cache");
  }

  @Test
  void aLibrarysMessageIsNotShown() {
    IllegalArgumentException foreign =
        new IllegalArgumentException("bad key -----BEGIN PRIVATE KEY-----");
    foreign.setStackTrace(
        new StackTraceElement[] {
          new StackTraceElement("org.bouncycastle.X", "parse", "X.java", 1)
        });

    assertThat(SafeErrors.describe(foreign)).isEqualTo("IllegalArgumentException");
  }

  @Test
  void aLibrarysMessageIsNotShownWhenTheOperatorWrapsItWithoutAMessageOfItsOwn() {
    IllegalArgumentException foreign =
        new IllegalArgumentException("bad key -----BEGIN PRIVATE KEY-----");
    java.io.IOException fromTheLibrary = new java.io.IOException(foreign.getMessage());
    fromTheLibrary.setStackTrace(
        new StackTraceElement[] {new StackTraceElement("org.bouncycastle.X", "read", "X.java", 1)});
    java.io.UncheckedIOException wrapped = new java.io.UncheckedIOException(fromTheLibrary);
    wrapped.setStackTrace(
        new StackTraceElement[] {
          new StackTraceElement("dev.registryoperator.tls.Pem", "read", "Pem.java", 1)
        });

    assertThat(SafeErrors.describe(wrapped)).isEqualTo("UncheckedIOException");
  }

  @Test
  void failuresTheFrameworkWrapsAreDescribedByWhatIsInside() {
    KubernetesClientException forbidden =
        new KubernetesClientException(
            new StatusBuilder().withCode(403).withReason("Forbidden").build());
    io.javaoperatorsdk.operator.OperatorException wrapped =
        new io.javaoperatorsdk.operator.OperatorException(
            new AggregatedOperatorException("workflow failed", Map.of("config", forbidden)));

    assertThat(SafeErrors.describe(wrapped)).isEqualTo("API server answered 403 (Forbidden)");

    IllegalStateException own = new IllegalStateException("CA Secret not yet in the cache");
    own.setStackTrace(
        new StackTraceElement[] {
          new StackTraceElement("dev.registryoperator.registry.dependent.X", "desired", "X.java", 1)
        });
    assertThat(SafeErrors.describe(new io.javaoperatorsdk.operator.OperatorException(own)))
        .isEqualTo("IllegalStateException: CA Secret not yet in the cache");
  }

  @Test
  void aggregatedErrorsListEachCauseOnce() {
    KubernetesClientException conflict =
        new KubernetesClientException(
            new StatusBuilder().withCode(409).withReason("Conflict").build());
    AggregatedOperatorException aggregated =
        new AggregatedOperatorException("workflow failed", Map.of("a", conflict, "b", conflict));

    assertThat(SafeErrors.describe(aggregated)).isEqualTo("API server answered 409 (Conflict)");
  }
}
