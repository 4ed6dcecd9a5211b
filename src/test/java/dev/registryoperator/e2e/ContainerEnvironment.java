package dev.registryoperator.e2e;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's environment as kubelet builds it when the container starts: {@code envFrom} first,
 * then {@code env} in order, each {@code value} with {@code $(VAR)} references expanded against
 * what came before. Like kubelet, values are read once: a later change of a referenced Secret
 * reaches the container only when it restarts.
 *
 * <p>Not emulated: the service-link variables and {@code KUBERNETES_SERVICE_*} (there are no
 * Services here), {@code resourceFieldRef}, and field references beyond name, namespace, pod IP,
 * host IP and service account.
 */
final class ContainerEnvironment {

  private static final Pattern REFERENCE =
      Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)|\\$\\$");

  /** The fields of the pod that {@code fieldRef} can name. */
  record PodFields(
      String name, String namespace, String podIp, String hostIp, String serviceAccount) {}

  private final KubernetesClient client;
  private final String namespace;
  private final PodFields pod;

  ContainerEnvironment(KubernetesClient client, String namespace, PodFields pod) {
    this.client = client;
    this.namespace = namespace;
    this.pod = pod;
  }

  /** The variables the runtime adds before the container's own (an image would add its ENV). */
  static Map<String, String> runtimeDefaults(String hostname) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("HOSTNAME", hostname);
    // runc sets HOME from the image's /etc/passwd; the images' users have none that matters.
    env.put("HOME", "/");
    return env;
  }

  Map<String, String> resolve(Container container) {
    Map<String, String> env = runtimeDefaults(pod.name());
    if (container.getEnvFrom() != null) {
      for (EnvFromSource source : container.getEnvFrom()) {
        String prefix = source.getPrefix() == null ? "" : source.getPrefix();
        if (source.getSecretRef() != null) {
          Secret secret =
              secret(source.getSecretRef().getName(), source.getSecretRef().getOptional());
          if (secret != null) {
            secretData(secret).forEach((key, value) -> env.put(prefix + key, value));
          }
        }
        if (source.getConfigMapRef() != null) {
          ConfigMap configMap =
              configMap(source.getConfigMapRef().getName(), source.getConfigMapRef().getOptional());
          if (configMap != null && configMap.getData() != null) {
            configMap.getData().forEach((key, value) -> env.put(prefix + key, value));
          }
        }
      }
    }
    if (container.getEnv() != null) {
      for (EnvVar variable : container.getEnv()) {
        String value =
            variable.getValueFrom() != null
                ? valueFrom(variable.getName(), variable.getValueFrom())
                : expand(variable.getValue() == null ? "" : variable.getValue(), env);
        if (value != null) {
          env.put(variable.getName(), value);
        }
      }
    }
    return env;
  }

  /**
   * Expands {@code $(VAR)} in command and args as kubelet does; unknown references stay as they
   * are.
   */
  static List<String> expandAll(List<String> values, Map<String, String> env) {
    List<String> expanded = new ArrayList<>();
    values.forEach(value -> expanded.add(expand(value, env)));
    return expanded;
  }

  static String expand(String value, Map<String, String> env) {
    Matcher matcher = REFERENCE.matcher(value);
    StringBuilder result = new StringBuilder();
    while (matcher.find()) {
      String replacement;
      if (matcher.group(1) == null) {
        replacement = "$";
      } else {
        replacement = env.getOrDefault(matcher.group(1), matcher.group());
      }
      matcher.appendReplacement(result, Matcher.quoteReplacement(replacement));
    }
    matcher.appendTail(result);
    return result.toString();
  }

  private String valueFrom(String name, EnvVarSource source) {
    if (source.getSecretKeyRef() != null) {
      SecretKeySelector ref = source.getSecretKeyRef();
      Secret secret = secret(ref.getName(), ref.getOptional());
      String value = secret == null ? null : secretData(secret).get(ref.getKey());
      return required(
          value, ref.getOptional(), "key " + ref.getKey() + " of Secret " + ref.getName(), name);
    }
    if (source.getConfigMapKeyRef() != null) {
      ConfigMapKeySelector ref = source.getConfigMapKeyRef();
      ConfigMap configMap = configMap(ref.getName(), ref.getOptional());
      String value =
          configMap == null || configMap.getData() == null
              ? null
              : configMap.getData().get(ref.getKey());
      return required(
          value, ref.getOptional(), "key " + ref.getKey() + " of ConfigMap " + ref.getName(), name);
    }
    if (source.getFieldRef() != null) {
      return switch (source.getFieldRef().getFieldPath()) {
        case "metadata.name" -> pod.name();
        case "metadata.namespace" -> pod.namespace();
        case "status.podIP" -> pod.podIp();
        case "status.hostIP" -> pod.hostIp();
        case "spec.serviceAccountName" -> pod.serviceAccount();
        default ->
            throw new UnsupportedOperationException(
                "env "
                    + name
                    + ": fieldRef "
                    + source.getFieldRef().getFieldPath()
                    + " is not emulated");
      };
    }
    throw new UnsupportedOperationException(
        "env " + name + ": this valueFrom is not emulated: " + source);
  }

  /**
   * kubelet refuses to start the container (CreateContainerConfigError) when a required value is
   * missing.
   */
  private static String required(String value, Boolean optional, String what, String variable) {
    if (value == null && !Boolean.TRUE.equals(optional)) {
      throw new IllegalStateException("env " + variable + ": " + what + " does not exist");
    }
    return value;
  }

  private Secret secret(String name, Boolean optional) {
    Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
    if (secret == null && !Boolean.TRUE.equals(optional)) {
      throw new IllegalStateException("Secret " + namespace + "/" + name + " does not exist");
    }
    return secret;
  }

  private ConfigMap configMap(String name, Boolean optional) {
    ConfigMap configMap = client.configMaps().inNamespace(namespace).withName(name).get();
    if (configMap == null && !Boolean.TRUE.equals(optional)) {
      throw new IllegalStateException("ConfigMap " + namespace + "/" + name + " does not exist");
    }
    return configMap;
  }

  /**
   * Decoded data; stringData too, which the API server folds into data but the mock server does
   * not.
   */
  static Map<String, String> secretData(Secret secret) {
    Map<String, String> data = new LinkedHashMap<>();
    if (secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (key, value) ->
                  data.put(
                      key, new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8)));
    }
    if (secret.getStringData() != null) {
      data.putAll(secret.getStringData());
    }
    return data;
  }
}
