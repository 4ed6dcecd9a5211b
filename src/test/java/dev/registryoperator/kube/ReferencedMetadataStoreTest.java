package dev.registryoperator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReferencedMetadataStoreTest {

  private final Set<String> referenced = new HashSet<>();
  private final ReferencedMetadataStore<Secret> store =
      new ReferencedMetadataStore<>(referenced::contains, Secret::new);

  @Test
  void keepsOnlyReferencedObjectsAndOfThemOnlyIdentityAndVersion() {
    referenced.add("ns/wanted");
    store.put("ns/wanted", secret("wanted", "7"));
    store.put("ns/other", secret("other", "8"));

    assertThat(store.keySet()).containsExactly("ns/wanted");
    Secret kept = store.get("ns/wanted");
    assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(kept.getMetadata().getUid()).isEqualTo("uid-wanted");
    assertThat(kept.getData()).isNullOrEmpty();
    assertThat(kept.getMetadata().getLabels()).isNullOrEmpty();
  }

  @Test
  void anObjectNoLongerReferencedIsDroppedOnItsNextEvent() {
    referenced.add("ns/wanted");
    store.put("ns/wanted", secret("wanted", "7"));
    referenced.clear();
    store.put("ns/wanted", secret("wanted", "9"));
    assertThat(store.size()).isZero();
  }

  @Test
  void whatTheReaderFetchedIsRememberedButNeverOverANewerEntry() {
    referenced.add("ns/wanted");
    store.remember(secret("wanted", "7"));
    assertThat(store.get("ns/wanted").getMetadata().getResourceVersion()).isEqualTo("7");

    store.put("ns/wanted", secret("wanted", "8"));
    store.remember(secret("wanted", "7"));
    assertThat(store.get("ns/wanted").getMetadata().getResourceVersion()).isEqualTo("8");

    store.remember(secret("unreferenced", "1"));
    assertThat(store.get("ns/unreferenced")).isNull();
  }

  private static Secret secret(String name, String resourceVersion) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("ns")
        .withUid("uid-" + name)
        .withResourceVersion(resourceVersion)
        .withLabels(Map.of("a", "b"))
        .endMetadata()
        .withData(Map.of("password", "c2VjcmV0"))
        .build();
  }
}
