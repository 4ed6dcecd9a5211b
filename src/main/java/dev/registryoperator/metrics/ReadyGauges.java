package dev.registryoperator.metrics;

import dev.registryoperator.api.v1alpha1.ConditionedStatus;
import dev.registryoperator.status.Conditions;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * How many resources of a kind are Ready and how many are not, counted from the controller's own
 * cache when Prometheus scrapes: nothing to keep in step with reconciles.
 */
public final class ReadyGauges {

  public static final String NAME = "registry_operator_resources";

  private ReadyGauges() {}

  public static <S extends ConditionedStatus> void register(
      MeterRegistry meters,
      String kind,
      IndexedResourceCache<? extends CustomResource<?, S>> cache) {
    for (boolean ready : new boolean[] {true, false}) {
      Gauge.builder(NAME, cache, c -> c.list().filter(r -> isReady(r.getStatus()) == ready).count())
          .description("Resources of the kind by their Ready condition")
          .tag("kind", kind)
          .tag("ready", String.valueOf(ready))
          .register(meters);
    }
  }

  private static boolean isReady(ConditionedStatus status) {
    return status != null && Conditions.isTrue(status.conditions(), Conditions.READY);
  }
}
