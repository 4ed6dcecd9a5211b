package dev.registryoperator.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** Edits of objects the operator writes the status of, as a person makes them. */
public final class Edits {

  private Edits() {}

  /**
   * A change for fabric8's {@code edit}, sent as {@code kubectl patch} sends it: without the
   * resourceVersion that was read. fabric8 otherwise puts that version into the JSON patch, and the
   * operator's status write of the same moment turns the edit into a 409 Conflict (seen in CI). The
   * patch holds only the changed fields, so it overwrites nothing the operator wrote.
   */
  public static <T extends HasMetadata> UnaryOperator<T> unlocked(Consumer<T> change) {
    return item -> {
      change.accept(item);
      item.getMetadata().setResourceVersion(null);
      return item;
    };
  }
}
