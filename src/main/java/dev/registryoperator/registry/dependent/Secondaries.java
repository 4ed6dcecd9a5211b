package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.Optional;

/** Looks up one of a registry's children by type and name in the informer caches. */
public final class Secondaries {

  private Secondaries() {}

  /** The cached object; a live cache entry, so callers must not modify it. */
  public static <R extends HasMetadata> Optional<R> named(
      Context<PrivateRegistry> context, Class<R> type, String name) {
    return context
        .getSecondaryResourcesAsStream(type)
        .filter(resource -> name.equals(resource.getMetadata().getName()))
        .findFirst();
  }
}
