package dev.registryoperator.testing;

import dev.registryoperator.RegistryOperator.Settings;
import dev.registryoperator.user.model.PasswordHasher;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.Set;

/**
 * Operator settings for the fabric8 mock server: production settings except server-side apply,
 * which the mock cannot do.
 */
public final class MockServerOperators {

  private MockServerOperators() {}

  public static Settings settings() {
    return settings(new PasswordHasher(), Metrics.NOOP);
  }

  public static Settings settings(PasswordHasher hasher, Metrics metrics) {
    return settings(hasher, metrics, Set.of());
  }

  /** Watching only these namespaces (all when empty), as {@code --namespace} does. */
  public static Settings settings(Set<String> namespaces) {
    return settings(new PasswordHasher(), Metrics.NOOP, namespaces);
  }

  private static Settings settings(PasswordHasher hasher, Metrics metrics, Set<String> namespaces) {
    return new Settings(
        false,
        namespaces,
        null,
        Clock.systemUTC(),
        hasher,
        metrics,
        new SimpleMeterRegistry(),
        Settings.DEFAULT_OPERATOR_IMAGE,
        null);
  }
}
