package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Keys;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Map;
import java.util.Objects;

/**
 * Which updates of a PrivateRegistry wake its reconciler: a new generation (a spec change), as
 * JOSDK's generation-aware filtering would pass, and also a new garbage collection request. An
 * annotation does not change the generation, and JOSDK ANDs a filter of ours with its own, so the
 * controller turns its generation-aware filtering off and this filter does that part itself. Status
 * writes (the operator's own) still wake nothing.
 */
public class SpecOrCollectionRequestChanged implements OnUpdateFilter<PrivateRegistry> {

  @Override
  public boolean accept(PrivateRegistry updated, PrivateRegistry previous) {
    return !Objects.equals(
            updated.getMetadata().getGeneration(), previous.getMetadata().getGeneration())
        || !Objects.equals(request(updated), request(previous))
        || (updated.isMarkedForDeletion() && !previous.isMarkedForDeletion());
  }

  private static String request(PrivateRegistry registry) {
    Map<String, String> annotations = registry.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(Keys.COLLECT_GARBAGE_ANNOTATION);
  }
}
