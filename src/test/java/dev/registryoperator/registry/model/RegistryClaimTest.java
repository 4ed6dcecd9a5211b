package dev.registryoperator.registry.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.registryoperator.api.v1alpha1.StorageSpec.AccessMode;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RegistryClaimTest {

  @Test
  void isNamedSoThatARecreatedRegistryFindsItsData() {
    PersistentVolumeClaim claim = RegistryClaim.render(Fixtures.registry());

    assertThat(claim.getMetadata().getName()).isEqualTo("demo-data");
    assertThat(claim.getMetadata().getNamespace()).isEqualTo("team-a");
  }

  @Test
  void isNotOwnedByDefaultSoDeletingTheRegistryKeepsTheData() {
    PersistentVolumeClaim claim = RegistryClaim.render(Fixtures.registry());

    assertThat(claim.getMetadata().getOwnerReferences()).isNullOrEmpty();
  }

  @Test
  void isControlledByTheRegistryWhenTheUserOptedIntoDeletion() {
    PersistentVolumeClaim claim =
        RegistryClaim.render(Fixtures.registry(spec -> spec.storage.deleteClaim = true));

    assertThat(claim.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getKind()).isEqualTo("PrivateRegistry");
              assertThat(owner.getName()).isEqualTo("demo");
              assertThat(owner.getUid()).isEqualTo(Fixtures.UID);
              assertThat(owner.getController()).isTrue();
            });
  }

  @Test
  void carriesOurLabelsEitherWaySoItIsFoundWithoutAnOwnerReference() {
    // The claim is matched back to its registry by label; an unowned claim has nothing else.
    assertThat(RegistryClaim.render(Fixtures.registry()).getMetadata().getLabels())
        .containsEntry(Labels.REGISTRY, "demo")
        .containsEntry(Labels.MANAGED_BY, Labels.OPERATOR_NAME)
        .containsEntry(Labels.COMPONENT, "storage");
  }

  @Test
  void requestsTenGibibytesByDefault() {
    assertThat(
            RegistryClaim.render(Fixtures.registry())
                .getSpec()
                .getResources()
                .getRequests()
                .get("storage"))
        .hasToString("10Gi");
  }

  @ParameterizedTest(name = "{0} is written as {1}")
  @CsvSource({
    "10240Mi, 10Gi",
    "2048Gi, 2Ti",
    "1048576Mi, 1Ti",
    "1536Mi, 1536Mi",
    "1024Mi, 1Gi",
    "512Mi, 512Mi",
    "10Gi, 10Gi",
    "1Ti, 1Ti",
    "3072Gi, 3Ti",
    "1025Gi, 1025Gi",
  })
  void sizeIsWrittenInTheCanonicalFormTheApiServerStores(String requested, String written) {
    // A non-canonical size would differ from what the API server stores: endless updates.
    PersistentVolumeClaim claim =
        RegistryClaim.render(Fixtures.registry(spec -> spec.storage.size = requested));
    var storage = claim.getSpec().getResources().getRequests().get("storage");

    assertThat(storage.getAmount() + storage.getFormat()).isEqualTo(written);
    assertThat(storage.getNumericalAmount())
        .isEqualByComparingTo(
            new io.fabric8.kubernetes.api.model.Quantity(requested).getNumericalAmount());
  }

  @ParameterizedTest
  @ValueSource(strings = {"10G", "10", "0Gi", "1.5Gi", "10gi", "1Pi", ""})
  void sizesOutsideTheSchemaAreRejectedRatherThanGuessed(String size) {
    assertThatThrownBy(() -> Quantities.canonicalBinary(size))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void accessModesComeFromTheSpec() {
    assertThat(RegistryClaim.render(Fixtures.registry()).getSpec().getAccessModes())
        .containsExactly("ReadWriteOnce");
    assertThat(
            RegistryClaim.render(
                    Fixtures.registry(
                        spec ->
                            spec.storage.accessModes =
                                List.of(AccessMode.ReadWriteMany, AccessMode.ReadWriteOnce)))
                .getSpec()
                .getAccessModes())
        .containsExactly("ReadWriteMany", "ReadWriteOnce");
  }

  @Test
  void storageClassIsLeftOutUnlessGiven() {
    // Left out (not empty): "" would mean "no class" and disable dynamic provisioning.
    assertThat(RegistryClaim.render(Fixtures.registry()).getSpec().getStorageClassName()).isNull();
    assertThat(
            RegistryClaim.render(
                    Fixtures.registry(spec -> spec.storage.storageClassName = "fast-ssd"))
                .getSpec()
                .getStorageClassName())
        .isEqualTo("fast-ssd");
  }

  @Test
  void claimNameIsOursOrTheAdoptedOne() {
    assertThat(RegistryClaim.claimName(Fixtures.registry())).isEqualTo("demo-data");
    assertThat(
            RegistryClaim.claimName(
                Fixtures.registry(spec -> spec.storage.existingClaim = "old-data")))
        .isEqualTo("old-data");
  }

  @Test
  void renderingIsDeterministic() {
    assertThat(RegistryClaim.render(Fixtures.registry(spec -> spec.storage.size = "2048Gi")))
        .isEqualTo(RegistryClaim.render(Fixtures.registry(spec -> spec.storage.size = "2048Gi")));
  }
}
