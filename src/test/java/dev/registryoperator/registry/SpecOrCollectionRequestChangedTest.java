package dev.registryoperator.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistryStatus;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.testing.Fixtures;
import java.util.HashMap;
import org.junit.jupiter.api.Test;

/** Which updates of a registry wake its reconciler. */
class SpecOrCollectionRequestChangedTest {

  private final SpecOrCollectionRequestChanged filter = new SpecOrCollectionRequestChanged();

  @Test
  void aNewGenerationPasses() {
    PrivateRegistry previous = Fixtures.registry();
    PrivateRegistry updated = Fixtures.registry();
    updated.getMetadata().setGeneration(2L);

    assertThat(filter.accept(updated, previous)).isTrue();
  }

  @Test
  void aStatusWriteDoesNot() {
    PrivateRegistry previous = Fixtures.registry();
    PrivateRegistry updated = Fixtures.registry();
    updated.setStatus(new PrivateRegistryStatus());
    updated.getStatus().users = 3;

    assertThat(filter.accept(updated, previous)).isFalse();
  }

  @Test
  void aNewCollectionRequestPassesAndOtherAnnotationsDoNot() {
    PrivateRegistry previous = Fixtures.registry();
    PrivateRegistry other = annotated(Fixtures.registry(), "example.com/note", "x");
    PrivateRegistry requested =
        annotated(Fixtures.registry(), Keys.COLLECT_GARBAGE_ANNOTATION, "1");
    PrivateRegistry again = annotated(Fixtures.registry(), Keys.COLLECT_GARBAGE_ANNOTATION, "1");
    PrivateRegistry next = annotated(Fixtures.registry(), Keys.COLLECT_GARBAGE_ANNOTATION, "2");

    assertThat(filter.accept(other, previous)).as("another annotation").isFalse();
    assertThat(filter.accept(requested, previous)).as("a request").isTrue();
    assertThat(filter.accept(again, requested)).as("the same request").isFalse();
    assertThat(filter.accept(next, requested)).as("a new request").isTrue();
  }

  private static PrivateRegistry annotated(PrivateRegistry registry, String key, String value) {
    registry.getMetadata().setAnnotations(new HashMap<>());
    registry.getMetadata().getAnnotations().put(key, value);
    return registry;
  }
}
