package dev.registryoperator.status;

import static dev.registryoperator.testing.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistryStatus;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Status is written only when it changed, and then from an object that carries no spec. */
class StatusPatchesTest {

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  @Test
  void anUnchangedStatusIsNotWritten() {
    PrivateRegistry registry = registryWithStatus();
    PrivateRegistryStatus same = copy(registry.getStatus());

    assertThat(StatusPatches.changed(registry.getStatus(), same)).isFalse();
  }

  @Test
  void aChangedStatusIsWrittenFromAFreshObjectWithNameNamespaceAndStatusOnly() {
    PrivateRegistry registry = registryWithStatus();
    PrivateRegistryStatus changed = copy(registry.getStatus());
    changed.users = 3;

    assertThat(StatusPatches.changed(registry.getStatus(), changed)).isTrue();
    PrivateRegistry patch = StatusPatches.freshWithStatus(registry, changed, PrivateRegistry::new);
    assertThat(patch).isNotSameAs(registry);
    assertThat(patch.getStatus()).isSameAs(changed);
    @SuppressWarnings("unchecked")
    Map<String, Object> sent = JSON.unmarshal(JSON.asJson(patch), Map.class);
    assertThat(sent).containsOnlyKeys("apiVersion", "kind", "metadata", "status");
    assertThat(sent.get("metadata")).isEqualTo(Map.of("name", "demo", "namespace", "team-a"));
    assertThat(registry.getStatus().users).as("the cached resource keeps its status").isEqualTo(2);
  }

  @Test
  void theFirstStatusIsWritten() {
    PrivateRegistry registry = Fixtures.registry();

    assertThat(StatusPatches.changed(registry.getStatus(), new PrivateRegistryStatus())).isTrue();
  }

  @Test
  void aCopyIsIndependentOfTheOriginal() {
    PrivateRegistryStatus original = registryWithStatus().getStatus();

    PrivateRegistryStatus edited = copy(original);
    edited.conditions.get(0).setStatus("True");
    edited.url = "https://elsewhere";

    assertThat(original.conditions.get(0).getStatus()).isEqualTo("False");
    assertThat(original.url).isEqualTo("https://demo.team-a.svc:15000");
  }

  @Test
  void aMissingStatusIsCopiedAsTheEmptyOne() {
    PrivateRegistryStatus empty = new PrivateRegistryStatus();

    assertThat(StatusPatches.copy(null, PrivateRegistryStatus.class, () -> empty)).isSameAs(empty);
  }

  private static PrivateRegistryStatus copy(PrivateRegistryStatus status) {
    return StatusPatches.copy(status, PrivateRegistryStatus.class, PrivateRegistryStatus::new);
  }

  /** As the cache hands it over: uid, resourceVersion, generation, labels, spec and a status. */
  private static PrivateRegistry registryWithStatus() {
    PrivateRegistry registry = Fixtures.registry();
    registry.getMetadata().setLabels(Map.of("team", "a"));
    registry.getMetadata().setAnnotations(Map.of("note", "kept by the user"));
    PrivateRegistryStatus status = new PrivateRegistryStatus();
    status.observedGeneration = 1L;
    status.url = "https://demo.team-a.svc:15000";
    status.users = 2;
    status.conditions =
        Conditions.with(null, Conditions.READY, false, "Pending", "Waiting.", 1L, NOW);
    registry.setStatus(status);
    return registry;
  }
}
