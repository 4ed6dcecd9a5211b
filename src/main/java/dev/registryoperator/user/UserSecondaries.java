package dev.registryoperator.user;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.Optional;

/** Looks up a user's related objects by type and name in the informer caches (never modify them). */
final class UserSecondaries {

  private UserSecondaries() {}

  static <R extends HasMetadata> Optional<R> named(
      Context<RegistryUser> context, Class<R> type, String name) {
    return context
        .getSecondaryResourcesAsStream(type)
        .filter(resource -> name.equals(resource.getMetadata().getName()))
        .findFirst();
  }
}
