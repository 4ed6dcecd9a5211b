package dev.registryoperator.registry.model;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.OwnedMetadata;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/** The htpasswd Secret the proxy authenticates against, and the registry's http secret. */
public final class AuthSecrets {

  private static final SecureRandom RANDOM = new SecureRandom();

  private AuthSecrets() {}

  /** The auth server's files, mounted as one directory so that kubelet swaps them together. */
  public static Secret htpasswd(PrivateRegistry registry, AuthFiles files) {
    RegistryNames names = RegistryNames.of(registry);
    return new SecretBuilder()
        .withMetadata(
            OwnedMetadata.owned(
                registry, names.registry(), names.htpasswdSecret(), Components.AUTH))
        .withType(Keys.OPAQUE_TYPE)
        .withData(
            SecretData.encode(
                Map.of(Keys.HTPASSWD, files.htpasswd(), Keys.ACCESS_FILE, files.access())))
        .build();
  }

  /**
   * The registry signs upload state with the http secret; it must be stable across restarts and
   * identical in every replica, so it is generated once and kept in a Secret.
   */
  public static Secret httpSecret(PrivateRegistry registry, String value) {
    RegistryNames names = RegistryNames.of(registry);
    return new SecretBuilder()
        .withMetadata(
            OwnedMetadata.owned(
                registry, names.registry(), names.httpSecret(), Components.REGISTRY))
        .withType(Keys.OPAQUE_TYPE)
        .withData(SecretData.encode(Map.of(Keys.HTTP_SECRET, value)))
        .build();
  }

  public static String newHttpSecret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
