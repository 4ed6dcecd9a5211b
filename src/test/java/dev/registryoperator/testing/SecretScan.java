package dev.registryoperator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.naming.Keys;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Looks for secret material where none may be: in log lines, Events, the status of every
 * PrivateRegistry and RegistryUser, and every ConfigMap. Secret material is (a) what looks like a
 * private key, a bcrypt hash or a signed JWT wherever it comes from, and (b) every secret value the
 * cluster's Secrets hold at the time of the scan - passwords, htpasswd hashes, pull credentials,
 * private keys, the registry's http secret - so a password leaked verbatim is found too.
 * Certificates, user names and access rules are public and not looked for.
 *
 * <p>A finding names where the material was and which Secret it came from, never the material.
 */
public final class SecretScan {

  /** Shorter values (a 0 to 7 byte test password) would match by chance; patterns still apply. */
  private static final int SHORTEST_VALUE = 8;

  /** Keys whose values are public even inside a Secret. */
  private static final Set<String> PUBLIC_KEYS =
      Set.of(Keys.TLS_CERT, Keys.CA_CERT, Keys.USERNAME, Keys.ACCESS, Keys.ACCESS_FILE);

  /**
   * A real cluster's controller-manager gives each ServiceAccount such a Secret; only its token is
   * secret (its other keys are the namespace's name and the cluster's CA).
   */
  private static final String SERVICE_ACCOUNT_TOKEN_TYPE = "kubernetes.io/service-account-token";

  private static final String SERVICE_ACCOUNT_TOKEN_KEY = "token";

  private static final Map<String, Pattern> SHAPES =
      Map.of(
          "a private key",
          Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----"),
          "a bcrypt hash",
          Pattern.compile("\\$2[abxy]?\\$\\d{2}\\$[./A-Za-z0-9]{53}"),
          "a signed JWT",
          Pattern.compile("eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{16,}"));

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where a piece of secret material was found and what it was, without the material itself. */
  public record Finding(String where, String what) {
    @Override
    public String toString() {
      return where + " holds " + what;
    }
  }

  /** A secret value and the Secret key it came from. */
  private record Known(String value, String source) {}

  private final List<Known> known;
  private final Map<String, String> texts = new LinkedHashMap<>();

  private SecretScan(List<Known> known) {
    this.known = known;
  }

  /** A scan for the secret values the cluster's Secrets hold now, in every namespace. */
  public static SecretScan of(KubernetesClient client) {
    return of(client.secrets().inAnyNamespace().list().getItems());
  }

  /** A scan for the secret values these Secrets hold. */
  public static SecretScan of(Collection<Secret> secrets) {
    List<Known> known = new ArrayList<>();
    for (Secret secret : secrets) {
      known.addAll(secretValues(secret));
    }
    return new SecretScan(known);
  }

  /** Adds a text to scan, e.g. the log of a process; {@code where} names it in findings. */
  public SecretScan text(String where, String text) {
    texts.put(where, text);
    return this;
  }

  /**
   * Adds what the cluster shows everyone with read access to non-secret objects: every Event's
   * reason and message, every registry's and user's status, and every ConfigMap.
   */
  public SecretScan clusterObjects(KubernetesClient client) {
    for (Event event : client.v1().events().inAnyNamespace().list().getItems()) {
      text(
          "Event " + name(event),
          String.join("\n", String.valueOf(event.getReason()), String.valueOf(event.getMessage())));
    }
    for (PrivateRegistry registry :
        client.resources(PrivateRegistry.class).inAnyNamespace().list().getItems()) {
      text("status of PrivateRegistry " + name(registry), json(registry.getStatus()));
    }
    for (RegistryUser user :
        client.resources(RegistryUser.class).inAnyNamespace().list().getItems()) {
      text("status of RegistryUser " + name(user), json(user.getStatus()));
    }
    for (ConfigMap configMap : client.configMaps().inAnyNamespace().list().getItems()) {
      StringBuilder data = new StringBuilder();
      if (configMap.getData() != null) {
        configMap.getData().forEach((key, value) -> data.append(key).append('\n').append(value));
      }
      text("ConfigMap " + name(configMap), data.toString());
    }
    return this;
  }

  public List<Finding> findings() {
    List<Finding> findings = new ArrayList<>();
    texts.forEach(
        (where, text) -> {
          SHAPES.forEach(
              (what, shape) -> {
                if (shape.matcher(text).find()) {
                  findings.add(new Finding(where, what));
                }
              });
          for (Known value : known) {
            if (text.contains(value.value())) {
              findings.add(new Finding(where, "the value of " + value.source()));
            }
          }
        });
    return findings;
  }

  /** How many texts were scanned and how many secret values were looked for, for a log line. */
  public String summary() {
    return texts.size() + " texts scanned for " + known.size() + " secret values and key shapes";
  }

  private static List<Known> secretValues(Secret secret) {
    List<Known> values = new ArrayList<>();
    Map<String, String> decoded = new LinkedHashMap<>();
    if (secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (key, value) ->
                  decoded.put(
                      key, new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8)));
    }
    if (secret.getStringData() != null) {
      decoded.putAll(secret.getStringData());
    }
    boolean serviceAccountToken = SERVICE_ACCOUNT_TOKEN_TYPE.equals(secret.getType());
    decoded.forEach(
        (key, value) -> {
          if (PUBLIC_KEYS.contains(key)
              || value.startsWith("-----BEGIN CERTIFICATE")
              || (serviceAccountToken && !key.equals(SERVICE_ACCOUNT_TOKEN_KEY))) {
            return;
          }
          String source = "Secret " + name(secret) + " key " + key;
          add(values, value, source);
          if (key.equals(Keys.HTPASSWD)) {
            value
                .lines()
                .filter(line -> line.indexOf(':') > 0)
                .forEach(line -> add(values, line.substring(line.indexOf(':') + 1), source));
          } else if (key.equals(Keys.DOCKER_CONFIG)) {
            dockerCredentials(value).forEach(credential -> add(values, credential, source));
          }
        });
    return values;
  }

  private static void add(List<Known> values, String value, String source) {
    String trimmed = value.strip();
    if (trimmed.length() >= SHORTEST_VALUE) {
      values.add(new Known(trimmed, source));
    }
  }

  /** The password and base64 {@code auth} of every registry in a pull Secret. */
  private static List<String> dockerCredentials(String dockerConfigJson) {
    List<String> credentials = new ArrayList<>();
    try {
      for (JsonNode auth : JSON.readTree(dockerConfigJson).path("auths")) {
        credentials.add(auth.path("password").asText(""));
        credentials.add(auth.path("auth").asText(""));
      }
    } catch (IOException e) {
      // Not JSON: its whole value is looked for already.
    }
    return credentials;
  }

  private static String json(Object status) {
    try {
      return JSON.writeValueAsString(status);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write a status as JSON", e);
    }
  }

  private static String name(HasMetadata object) {
    return object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
  }
}
