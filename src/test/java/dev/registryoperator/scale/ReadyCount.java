package dev.registryoperator.scale;

import dev.registryoperator.api.v1alpha1.ConditionedStatus;
import dev.registryoperator.status.Conditions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many resources of a kind are Ready for their current generation, watched (not polled, so the
 * benchmark adds no load while it waits), and when each count was first reached.
 */
final class ReadyCount<R extends CustomResource<?, ? extends ConditionedStatus>>
    implements AutoCloseable {

  private final String kind;
  private final Map<String, Boolean> ready = new ConcurrentHashMap<>();
  private final Map<Integer, Instant> reached = new ConcurrentHashMap<>();
  private final AtomicInteger readyCount = new AtomicInteger();
  private final SharedIndexInformer<R> informer;

  ReadyCount(KubernetesClient kube, Class<R> type) {
    this.kind = type.getSimpleName();
    this.informer =
        kube.resources(type)
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(R resource) {
                    seen(resource);
                  }

                  @Override
                  public void onUpdate(R before, R resource) {
                    seen(resource);
                  }

                  @Override
                  public void onDelete(R resource, boolean unknownFinalState) {
                    record(resource, false);
                  }
                });
  }

  int ready() {
    return readyCount.get();
  }

  int seen() {
    return ready.size();
  }

  /**
   * Waits until at least {@code wanted} are Ready; returns when that was first observed. {@code
   * stillWorthWaiting} runs on every poll and throws when waiting is pointless (the operator died).
   */
  Instant await(int wanted, Duration timeout, Runnable stillWorthWaiting) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!reached.containsKey(wanted) && ready() < wanted) {
      stillWorthWaiting.run();
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            String.format(
                "only %d of %d %s resources were Ready after %s (%d seen)",
                ready(), wanted, kind, timeout, seen()));
      }
      MeasuredOperator.sleep(Duration.ofMillis(50));
    }
    return reached.getOrDefault(wanted, Instant.now());
  }

  private void seen(R resource) {
    ConditionedStatus status = resource.getStatus();
    record(
        resource,
        status != null
            && Objects.equals(status.observedGeneration(), resource.getMetadata().getGeneration())
            && Conditions.isTrue(status.conditions(), Conditions.READY));
  }

  private synchronized void record(R resource, boolean isReady) {
    boolean was = Boolean.TRUE.equals(ready.put(key(resource), isReady));
    if (was != isReady) {
      int now = isReady ? readyCount.incrementAndGet() : readyCount.decrementAndGet();
      if (isReady) {
        reached.putIfAbsent(now, Instant.now());
      }
    }
  }

  private static String key(HasMetadata resource) {
    return resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
  }

  @Override
  public void close() {
    informer.close();
  }
}
