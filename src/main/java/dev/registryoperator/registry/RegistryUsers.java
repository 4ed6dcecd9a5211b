package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;

/** What a registry needs to know of its RegistryUsers: the htpasswd file and how many are ready. */
public interface RegistryUsers {

  /** The htpasswd file content for the registry: one line per valid user, byte-stable. */
  String htpasswd(PrivateRegistry registry);

  /** How many of the registry's users are in its htpasswd file. */
  int readyCount(PrivateRegistry registry);
}
