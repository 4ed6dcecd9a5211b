package dev.registryoperator.authserver;

import dev.registryoperator.access.AccessFile;
import dev.registryoperator.access.Action;
import java.util.Optional;

/** Whether a client (a user, or anonymous when empty) may make a recognised registry request. */
public enum AccessDecision {
  ALLOW,
  /**
   * The upload may start, but not as a mount: the client may not pull the source repository.
   * Clients try mounts opportunistically and fall back to uploading, so refusing would break
   * pushes; nginx drops the query instead, and the registry starts a plain upload.
   */
  ALLOW_WITHOUT_MOUNT,
  DENY;

  public boolean allowed() {
    return this != DENY;
  }

  public static AccessDecision decide(
      RegistryRequest request, Optional<String> user, AccessFile access) {
    if (request instanceof RegistryRequest.Base) {
      return user.isPresent() ? ALLOW : DENY;
    }
    if (request instanceof RegistryRequest.Catalog) {
      return access.mayListCatalog(user) ? ALLOW : DENY;
    }
    RegistryRequest.OnRepository onRepository = (RegistryRequest.OnRepository) request;
    if (!access.allowed(user, onRepository.repository()).containsAll(onRepository.actions())) {
      return DENY;
    }
    if (onRepository.mountRequested()
        && !(!onRepository.mountSources().isEmpty()
            && onRepository.mountSources().stream()
                .allMatch(
                    source ->
                        RegistryRequest.isRepositoryName(source)
                            && access.allowed(user, source).contains(Action.pull)))) {
      return ALLOW_WITHOUT_MOUNT;
    }
    return ALLOW;
  }
}
