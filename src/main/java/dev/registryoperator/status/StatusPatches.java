package dev.registryoperator.status;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.function.Supplier;

/**
 * Writing status the same way for every resource: edit a copy (objects from the cache are shared),
 * write only when something changed, and write from an object that holds identity and status only -
 * the spec belongs to the user (or their GitOps tool), never to the operator.
 */
public final class StatusPatches {

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private StatusPatches() {}

  public static <S> S copy(S status, Class<S> type, Supplier<S> empty) {
    return status == null ? empty.get() : JSON.unmarshal(JSON.asJson(status), type);
  }

  /** The status as it would be written, for comparisons. */
  public static String json(Object status) {
    return JSON.asJson(status);
  }

  /** Whether {@code wanted} differs from the resource's current status, field by field. */
  public static <S> boolean changed(S current, S wanted) {
    return current == null || !JSON.asJson(current).equals(JSON.asJson(wanted));
  }

  public static <P extends CustomResource<?, S>, S> P freshWithStatus(
      P resource, S status, Supplier<P> blank) {
    P fresh = blank.get();
    fresh.getMetadata().setName(resource.getMetadata().getName());
    fresh.getMetadata().setNamespace(resource.getMetadata().getNamespace());
    fresh.setSpec(null);
    fresh.setStatus(status);
    return fresh;
  }
}
