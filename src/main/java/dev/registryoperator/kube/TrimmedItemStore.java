package dev.registryoperator.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import java.util.ArrayList;
import java.util.stream.Stream;

/**
 * An informer store that keeps objects without their server-side apply bookkeeping ({@code
 * metadata.managedFields}): every field of an object appears there again, as nested maps, once per
 * manager that wrote it. That was a third of the operator's heap with a thousand registries and ten
 * thousand users (ScaleBenchmark, README "Performance"), and nothing the operator does reads it for
 * these kinds: it never writes Secrets and ConfigMaps by server-side apply (JOSDK updates them with
 * a PUT, and a PUT without managedFields leaves the server's as they are), only reads RegistryUsers
 * and PrivateRegistries elsewhere, and patches its own resources' status from a fresh object. The
 * children it applies (Deployment, Services, claim, Ingress) keep JOSDK's default store: its
 * matcher reads the operator's own entry there.
 *
 * <p>Only where the controller watches all namespaces: otherwise JOSDK hands the one store to an
 * informer per namespace, and each informer's relist removes what the others stored.
 */
public final class TrimmedItemStore<T extends HasMetadata> implements ItemStore<T> {

  private final BasicItemStore<T> items = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);

  private TrimmedItemStore() {}

  /** A trimmed store for one event source, or null (JOSDK's own store) as explained above. */
  public static <T extends HasMetadata> TrimmedItemStore<T> forEventSourceOf(
      EventSourceContext<?> context) {
    return ifAllNamespaces(
        context.getControllerConfiguration().getInformerConfig().watchAllNamespaces());
  }

  /** A trimmed store if the informer watches all namespaces, else null (JOSDK's own store). */
  public static <T extends HasMetadata> TrimmedItemStore<T> ifAllNamespaces(boolean allNamespaces) {
    return allNamespaces ? new TrimmedItemStore<>() : null;
  }

  @Override
  public String getKey(T object) {
    return items.getKey(object);
  }

  @Override
  public T put(String key, T object) {
    if (!object.getMetadata().getManagedFields().isEmpty()) {
      object.getMetadata().setManagedFields(new ArrayList<>());
    }
    return items.put(key, object);
  }

  @Override
  public T remove(String key) {
    return items.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return items.keySet();
  }

  @Override
  public Stream<T> values() {
    return items.values();
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public T get(String key) {
    return items.get(key);
  }
}
