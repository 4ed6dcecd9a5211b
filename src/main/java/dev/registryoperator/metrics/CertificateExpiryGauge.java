package dev.registryoperator.metrics;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * When each registry's served certificate expires, as a Unix timestamp (alert on it minus time()),
 * read from the registries' status in the controller's cache. The rows follow the registries that
 * exist at each refresh; their values are read when Prometheus scrapes.
 *
 * <p>Refreshes are gathered: a walk of every registry on every reconcile made settling 1,000
 * registries quadratic, and a row's value is read at scrape time anyway, so only the set of rows
 * can lag, by at most {@link #REFRESH_DELAY}.
 */
public final class CertificateExpiryGauge {

  public static final String NAME = "registry_operator_certificate_expiration_timestamp_seconds";

  static final Duration REFRESH_DELAY = Duration.ofSeconds(1);

  /** One daemon thread for every operator in the JVM: a walk takes milliseconds. */
  private static final ScheduledExecutorService REFRESHER =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "certificate-expiry-gauge");
            thread.setDaemon(true);
            return thread;
          });

  private final AtomicBoolean refreshPending = new AtomicBoolean();
  private final MultiGauge gauge;
  private final IndexedResourceCache<PrivateRegistry> registries;

  public CertificateExpiryGauge(
      MeterRegistry meters, IndexedResourceCache<PrivateRegistry> registries) {
    this.gauge =
        MultiGauge.builder(NAME)
            .description("When the certificate a registry serves expires (Unix time)")
            .register(meters);
    this.registries = registries;
  }

  /**
   * Has the rows follow the registries in the cache (new ones get a row, deleted ones lose theirs)
   * within {@link #REFRESH_DELAY}; the reconciles asking in the meantime share one walk.
   */
  public void refresh() {
    if (refreshPending.compareAndSet(false, true)) {
      REFRESHER.schedule(this::followRegistries, REFRESH_DELAY.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Runs on the single refresher thread, so two walks never register the same row at once. */
  private void followRegistries() {
    // Cleared first: a registry reconciled during this walk schedules the next one.
    refreshPending.set(false);
    List<MultiGauge.Row<?>> rows =
        registries
            .list()
            .filter(
                registry ->
                    registry.getStatus() != null && registry.getStatus().certificateExpiry != null)
            .map(
                registry -> {
                  ResourceID id = ResourceID.fromResource(registry);
                  return MultiGauge.Row.of(
                      Tags.of(
                          "namespace", registry.getMetadata().getNamespace(),
                          "name", registry.getMetadata().getName()),
                      registries,
                      cache -> expiry(cache, id));
                })
            .<MultiGauge.Row<?>>map(row -> row)
            .toList();
    gauge.register(rows, true);
  }

  private static double expiry(IndexedResourceCache<PrivateRegistry> cache, ResourceID id) {
    return cache
        .get(id)
        .filter(
            registry ->
                registry.getStatus() != null && registry.getStatus().certificateExpiry != null)
        .map(
            registry ->
                (double) Instant.parse(registry.getStatus().certificateExpiry).getEpochSecond())
        .orElse(Double.NaN);
  }
}
