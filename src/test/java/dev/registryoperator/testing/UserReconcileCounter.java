package dev.registryoperator.testing;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counts finished RegistryUser reconciles, in all and per user, through JOSDK's metrics hook. */
public final class UserReconcileCounter implements Metrics {

  private final AtomicLong total = new AtomicLong();
  private final Map<String, AtomicLong> perUser = new ConcurrentHashMap<>();

  @Override
  public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
    if (resource instanceof RegistryUser) {
      total.incrementAndGet();
      perUser
          .computeIfAbsent(resource.getMetadata().getName(), name -> new AtomicLong())
          .incrementAndGet();
    }
  }

  public long total() {
    return total.get();
  }

  public long of(String user) {
    AtomicLong count = perUser.get(user);
    return count == null ? 0 : count.get();
  }
}
