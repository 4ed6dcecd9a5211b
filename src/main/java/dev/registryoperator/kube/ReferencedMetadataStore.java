package dev.registryoperator.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * An informer store that keeps only the objects something references, and of those only their
 * identity and version (name, namespace, uid, resourceVersion). The watch still sees every object
 * of the kind, but the operator holds nothing of what no resource of its own refers to - and of
 * what is referred to, nothing but what tells a change.
 *
 * <p>An object that becomes referenced after the informer last saw it is absent until it changes;
 * {@link #remember} lets the reader store what it fetched itself meanwhile.
 */
public final class ReferencedMetadataStore<T extends HasMetadata> implements ItemStore<T> {

  private final Map<String, T> items = new ConcurrentHashMap<>();
  private final Predicate<String> referenced;
  private final Supplier<T> blank;

  /**
   * @param referenced whether a "namespace/name" key is referenced now
   * @param blank a new empty object of the kind
   */
  public ReferencedMetadataStore(Predicate<String> referenced, Supplier<T> blank) {
    this.referenced = referenced;
    this.blank = blank;
  }

  /** The key fabric8's informers use, "namespace/name". */
  public static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  @Override
  public String getKey(T object) {
    return Cache.metaNamespaceKeyFunc(object);
  }

  @Override
  public T put(String key, T object) {
    return referenced.test(key) ? items.put(key, reduced(object)) : items.remove(key);
  }

  /** Stores an object the reader fetched itself, unless the informer stored a newer one already. */
  public void remember(T object) {
    String key = getKey(object);
    if (referenced.test(key)) {
      items.putIfAbsent(key, reduced(object));
    }
  }

  @Override
  public T remove(String key) {
    return items.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return items.keySet().stream();
  }

  @Override
  public Stream<T> values() {
    return items.values().stream();
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public T get(String key) {
    return items.get(key);
  }

  private T reduced(T object) {
    T copy = blank.get();
    ObjectMeta metadata = new ObjectMeta();
    metadata.setName(object.getMetadata().getName());
    metadata.setNamespace(object.getMetadata().getNamespace());
    metadata.setUid(object.getMetadata().getUid());
    metadata.setResourceVersion(object.getMetadata().getResourceVersion());
    copy.setMetadata(metadata);
    return copy;
  }
}
