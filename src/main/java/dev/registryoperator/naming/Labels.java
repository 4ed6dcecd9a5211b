package dev.registryoperator.naming;

import java.util.Map;
import java.util.TreeMap;

/**
 * Labels the operator puts on the objects it creates. Only these: the user's labels and annotations
 * are never copied onto children.
 *
 * <p>The registry name goes into a label of our own group, not {@code app.kubernetes.io/instance}:
 * Argo CD tracks its applications with that label by default, and children carrying it would be
 * claimed (and pruned) by an Argo CD application of the same name.
 */
public final class Labels {

  public static final String NAME = "app.kubernetes.io/name";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String REGISTRY = "registryoperator.dev/registry";

  public static final String APP_NAME = "private-registry";
  public static final String OPERATOR_NAME = "registry-operator";

  /** The name label of a garbage collection's pod (not {@link #APP_NAME}: see its labels). */
  public static final String GARBAGE_COLLECTION_APP_NAME = "private-registry-garbage-collection";

  /**
   * The node agent: its DaemonSet, ServiceAccount (from deploy/node-agent/) and namespace by
   * default, and the field manager and managed-by label of the reports it writes.
   */
  public static final String NODE_AGENT_NAME = "registry-node-agent";

  /** Selects every object this operator manages; informers use it so caches hold only ours. */
  public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + OPERATOR_NAME;

  private Labels() {}

  /**
   * Selects the operator's objects except those of the given components, so that each informer
   * caches only the children its controller reads: the registry's controller never holds users'
   * passwords, the users' controller never holds a CA key. Written with equality-based requirements
   * ({@code !=}) rather than a set ({@code in}): every API server and the fabric8 mock server used
   * by the fast tests understand those.
   */
  public static String managedSelectorExcluding(String... components) {
    StringBuilder selector = new StringBuilder(MANAGED_SELECTOR);
    for (String component : components) {
      selector.append(',').append(COMPONENT).append("!=").append(component);
    }
    return selector.toString();
  }

  /** Selects the operator's objects of one component. */
  public static String managedSelector(String component) {
    return MANAGED_SELECTOR + "," + COMPONENT + "=" + component;
  }

  public static Map<String, String> forComponent(String registryName, String component) {
    Map<String, String> labels = new TreeMap<>(selector(registryName));
    labels.put(COMPONENT, component);
    labels.put(MANAGED_BY, OPERATOR_NAME);
    return labels;
  }

  /**
   * The garbage collection Job's pod: ours and the registry's, but not matched by the registry's
   * pod selector, so the Service never sends it clients and the Deployment never counts it.
   */
  public static Map<String, String> forGarbageCollectionPod(String registryName) {
    Map<String, String> labels = new TreeMap<>();
    labels.put(NAME, GARBAGE_COLLECTION_APP_NAME);
    labels.put(REGISTRY, registryName);
    labels.put(COMPONENT, Components.GARBAGE_COLLECTION);
    labels.put(MANAGED_BY, OPERATOR_NAME);
    return labels;
  }

  /** The Deployment's pod selector: immutable once created, so it never grows. */
  public static Map<String, String> selector(String registryName) {
    Map<String, String> labels = new TreeMap<>();
    labels.put(NAME, APP_NAME);
    labels.put(REGISTRY, registryName);
    return labels;
  }
}
