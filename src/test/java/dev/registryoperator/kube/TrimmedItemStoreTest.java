package dev.registryoperator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrimmedItemStoreTest {

  private final TrimmedItemStore<Secret> store = TrimmedItemStore.ifAllNamespaces(true);

  @Test
  void keepsEverythingButManagedFields() {
    store.put("ns/entry", secretWrittenByTwoManagers("entry"));

    Secret kept = store.get("ns/entry");
    assertThat(kept.getMetadata().getManagedFields()).as("managedFields kept").isEmpty();
    assertThat(kept.getData()).as("data").containsEntry("htpasswd", "dXNlcjokMmEkMTAk");
    assertThat(kept.getMetadata().getLabels()).as("labels").containsEntry("app", "registry");
    assertThat(kept.getMetadata().getResourceVersion()).as("resourceVersion").isEqualTo("42");
    assertThat(kept.getMetadata().getUid()).as("uid").isEqualTo("uid-entry");
    assertThat(Serialization.asJson(kept))
        .as("the stored object as JSON, which a PUT of it would send")
        .doesNotContain("managedFields");
  }

  @Test
  void storesByNamespaceAndNameLikeTheInformersOwnStore() {
    Secret secret = secretWrittenByTwoManagers("entry");
    assertThat(store.getKey(secret)).isEqualTo("ns/entry");
    store.put(store.getKey(secret), secret);
    store.put("ns/other", secretWrittenByTwoManagers("other"));

    assertThat(store.size()).isEqualTo(2);
    assertThat(store.keySet()).containsExactlyInAnyOrder("ns/entry", "ns/other");
    assertThat(store.values()).hasSize(2);
    assertThat(store.remove("ns/other").getMetadata().getName()).isEqualTo("other");
    assertThat(store.get("ns/other")).isNull();
    assertThat(store.size()).isEqualTo(1);
  }

  @Test
  void isUsedOnlyWhereOneInformerWatchesAllNamespaces() {
    assertThat(TrimmedItemStore.<Secret>ifAllNamespaces(true)).isNotNull();
    assertThat(TrimmedItemStore.<Secret>ifAllNamespaces(false))
        .as("with several namespaces JOSDK shares one store among their informers")
        .isNull();
  }

  private static Secret secretWrittenByTwoManagers(String name) {
    FieldsV1 fields = new FieldsV1();
    fields.setAdditionalProperty("f:data", Map.of("f:htpasswd", Map.of()));
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("ns")
        .withUid("uid-" + name)
        .withResourceVersion("42")
        .addToLabels("app", "registry")
        .addToManagedFields(
            new ManagedFieldsEntryBuilder()
                .withManager("privateregistry")
                .withOperation("Update")
                .withFieldsType("FieldsV1")
                .withFieldsV1(fields)
                .build(),
            new ManagedFieldsEntryBuilder()
                .withManager("kubectl-edit")
                .withOperation("Update")
                .withFieldsType("FieldsV1")
                .withFieldsV1(fields)
                .build())
        .endMetadata()
        .withData(Map.of("htpasswd", "dXNlcjokMmEkMTAk"))
        .build();
  }
}
