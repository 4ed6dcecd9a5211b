package dev.registryoperator.naming;

/**
 * Every key the operator writes into or reads from a Secret or ConfigMap, every annotation it sets,
 * and the Secret types it uses. The renderers, the pod that mounts the files, the other controller
 * and the tests all refer to these, so a key can never drift between writer and reader.
 */
public final class Keys {

  // kubernetes.io/tls conventions, also used by the CA Secret and the CA bundle
  public static final String TLS_CERT = "tls.crt";
  public static final String TLS_KEY = "tls.key";
  public static final String CA_CERT = "ca.crt";

  // The resource name of a volume's size in a claim's requests and capacity
  public static final String STORAGE_RESOURCE = "storage";

  // A registry's children
  public static final String HTPASSWD = "htpasswd";
  public static final String HTTP_SECRET = "http-secret";
  public static final String REGISTRY_CONFIG = "config.yml";
  public static final String NGINX_CONFIG = "nginx.conf";

  // A user's children (PASSWORD is also the default key of a referenced password Secret)
  public static final String PASSWORD = "password";
  public static final String USERNAME = "username";
  public static final String HASH = "hash";

  /** A user's access rules in its entry Secret, and the registry's in the htpasswd Secret. */
  public static final String ACCESS = "access";

  public static final String ACCESS_FILE = "access.json";
  public static final String DOCKER_CONFIG = ".dockerconfigjson";

  // A node agent's report: the node's name, and a line "namespace/name fingerprint" per registry
  public static final String NODE_REPORT_NODE = "node";
  public static final String NODE_REPORT_REGISTRIES = "registries";

  /** On a user's entry and pull Secret: which password version they were made from. */
  public static final String PASSWORD_SOURCE_ANNOTATION = "registryoperator.dev/password-source";

  /**
   * On a PrivateRegistry, put there by a person or a tool: a value other than the last one handled
   * (status.garbageCollection.lastRequest) asks for a garbage collection now.
   */
  public static final String COLLECT_GARBAGE_ANNOTATION = "registryoperator.dev/collect-garbage";

  /** Pod-template annotations: a change of any rolls the pod, nothing else does. */
  public static final String TLS_HASH_ANNOTATION = "registryoperator.dev/tls-hash";

  public static final String CONFIG_HASH_ANNOTATION = "registryoperator.dev/config-hash";

  /** The registry reads its http secret from the environment once: a new one needs a new pod. */
  public static final String HTTP_SECRET_HASH_ANNOTATION = "registryoperator.dev/http-secret-hash";

  public static final String OPAQUE_TYPE = "Opaque";
  public static final String TLS_SECRET_TYPE = "kubernetes.io/tls";
  public static final String DOCKER_CONFIG_TYPE = "kubernetes.io/dockerconfigjson";

  private Keys() {}
}
