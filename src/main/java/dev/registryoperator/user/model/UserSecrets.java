package dev.registryoperator.user.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.OwnedMetadata;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.naming.UserNames;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The Secrets a user gets: the generated password and the image pull Secret. */
public final class UserSecrets {

  public static final String DOCKER_CONFIG_KEY = ".dockerconfigjson";
  public static final String DOCKER_CONFIG_TYPE = "kubernetes.io/dockerconfigjson";
  static final String CREDENTIALS_COMPONENT = "user-credentials";
  static final String PULL_COMPONENT = "user-pull-secret";

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private UserSecrets() {}

  public static Secret credentials(RegistryUser user, String password) {
    return new SecretBuilder()
        .withMetadata(
            OwnedMetadata.owned(
                user,
                user.getSpec().registryRef,
                UserNames.of(user).credentialsSecret(),
                CREDENTIALS_COMPONENT))
        .withType("Opaque")
        .withData(SecretData.encode(Map.of(UserNames.PASSWORD_KEY, password)))
        .build();
  }

  /**
   * A docker config with the same credentials for each of the registry's hosts, and the CA that
   * signed the registry's certificate under a key of its own (docker and skopeo want it as a file).
   *
   * @param hosts host:port pairs clients use, in-cluster first
   * @param caPem the CA certificate, or null when the registry publishes none
   */
  public static Secret pullSecret(
      RegistryUser user, String username, String password, List<String> hosts, String caPem) {
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
      data.put(DOCKER_CONFIG_KEY, JSON.writeValueAsString(Map.of("auths", auths)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings always serialises", e);
    }
    if (caPem != null) {
      data.put(RegistryNames.CA_BUNDLE_KEY, caPem);
    }
    return new SecretBuilder()
        .withMetadata(
            OwnedMetadata.owned(
                user, user.getSpec().registryRef, UserNames.of(user).pullSecret(), PULL_COMPONENT))
        .withType(DOCKER_CONFIG_TYPE)
        .withData(SecretData.encode(data))
        .build();
  }
}
