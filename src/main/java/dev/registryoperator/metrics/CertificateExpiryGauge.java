package dev.registryoperator.metrics;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Instant;
import java.util.List;

/**
 * When each registry's served certificate expires, as a Unix timestamp (alert on it minus time()),
 * read from the registries' status in the controller's cache. The rows follow the registries that
 * exist at each refresh; their values are read when Prometheus scrapes.
 */
public final class CertificateExpiryGauge {

  public static final String NAME = "registry_operator_certificate_expiration_timestamp_seconds";

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
   * Follows the registries now in the cache: new ones get a row, deleted ones lose theirs.
   * Synchronized: reconciles of different registries call it at once, and MultiGauge registers the
   * same row twice when two of them overlap (Micrometer warns "already registered").
   */
  public synchronized void refresh() {
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
