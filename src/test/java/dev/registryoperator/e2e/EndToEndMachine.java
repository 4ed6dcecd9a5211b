package dev.registryoperator.e2e;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * Runs an end-to-end class only on a machine with what {@link E2eTools} asks for (root, iproute2,
 * util-linux, docker-registry, nginx, curl, skopeo), decided before the class's {@code @BeforeAll}
 * methods: Failsafe 3.5.4 fails the build when an assumption fails in {@code @BeforeAll}, so a
 * missing tool is reported as a skipped class with the reason instead. On CI ({@code CI=true}) a
 * missing tool fails the class, as {@link E2eTools} does everywhere.
 *
 * <p>Use as {@code @ExtendWith(EndToEndMachine.class)}.
 */
public final class EndToEndMachine implements ExecutionCondition {

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (context.getTestMethod().isPresent()) {
      return ConditionEvaluationResult.enabled("decided for the class");
    }
    try {
      E2eTools.requirePodRunner();
      E2eTools.curl();
      E2eTools.skopeo();
    } catch (TestAbortedException missing) {
      // Failsafe shows a skip reason only in its XML report; say it where people look.
      System.out.printf("[e2e] %s skipped: %s%n", context.getDisplayName(), missing.getMessage());
      return ConditionEvaluationResult.disabled(missing.getMessage());
    }
    return ConditionEvaluationResult.enabled("pod runner, curl and skopeo available");
  }
}
