package dev.registryoperator.user.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.OwnedMetadata;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.UserSecretNames;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A user's image pull Secret: a docker config with the same credentials for each of the registry's
 * hosts, and the CA that signed the registry's certificate under a key of its own (docker and
 * skopeo want it as a file). It notes the password's source like the htpasswd entry does, so an
 * unchanged password can be taken from here instead of being read again.
 */
public final class PullSecret {

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private PullSecret() {}

  /**
   * @param hosts host:port pairs clients use, in-cluster first
   * @param caPem the CA certificate, or null when the registry publishes none
   * @param passwordSource where the password came from (see {@code EntrySecret.passwordSource})
   */
  public static Secret render(
      RegistryUser user,
      String username,
      String password,
      String passwordSource,
      List<String> hosts,
      String caPem) {
    String auth =
        Base64.getEncoder()
            .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    Map<String, Object> auths = new TreeMap<>();
    for (String host : hosts) {
      Map<String, String> entry = new TreeMap<>();
      entry.put("auth", auth);
      entry.put("password", password);
      entry.put("username", username);
      auths.put(host, entry);
    }
    Map<String, String> data = new TreeMap<>();
    try {
      data.put(Keys.DOCKER_CONFIG, JSON.writeValueAsString(Map.of("auths", auths)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings always serialises", e);
    }
    if (caPem != null) {
      data.put(Keys.CA_CERT, caPem);
    }
    ObjectMeta metadata =
        OwnedMetadata.owned(
            user,
            user.getSpec().registryRef,
            UserSecretNames.of(user).pullSecret(),
            Components.USER_PULL_SECRET);
    metadata.setAnnotations(new TreeMap<>(Map.of(Keys.PASSWORD_SOURCE_ANNOTATION, passwordSource)));
    return new SecretBuilder()
        .withMetadata(metadata)
        .withType(Keys.DOCKER_CONFIG_TYPE)
        .withData(SecretData.encode(data))
        .build();
  }

  /** The password source the pull Secret was rendered from, if it notes one. */
  public static Optional<String> passwordSource(Secret pullSecret) {
    return Optional.ofNullable(pullSecret)
        .map(secret -> secret.getMetadata().getAnnotations())
        .map(annotations -> annotations.get(Keys.PASSWORD_SOURCE_ANNOTATION));
  }

  /** The password in a pull Secret this class rendered; empty for anything else. */
  public static Optional<String> password(Secret pullSecret) {
    Optional<String> config = SecretData.decode(pullSecret, Keys.DOCKER_CONFIG);
    if (config.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode auths = JSON.readTree(config.get()).path("auths");
      return auths.isObject() && auths.elements().hasNext()
          ? Optional.ofNullable(auths.elements().next().path("password").textValue())
          : Optional.empty();
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }
}
