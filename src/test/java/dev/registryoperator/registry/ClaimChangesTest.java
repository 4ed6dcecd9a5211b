package dev.registryoperator.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistrySpec;
import dev.registryoperator.api.v1alpha1.StorageSpec.AccessMode;
import dev.registryoperator.registry.model.RegistryClaim;
import dev.registryoperator.status.Problem;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Which changes of spec.storage the API server can make to the existing claim. The claim is the one
 * the operator created from the original spec, as the API server returns it (with a status).
 */
class ClaimChangesTest {

  private final List<String> storageClassLookups = new ArrayList<>();

  @Test
  void noClaimYetOrAnUnchangedSpecIsFine() {
    PrivateRegistry registry = Fixtures.registry();

    assertThat(ClaimChanges.check(registry, null, noStorageClasses())).isEmpty();
    assertThat(ClaimChanges.check(registry, claimOf(registry, "Bound"), noStorageClasses()))
        .isEmpty();
    assertThat(storageClassLookups).as("a StorageClass is read only for a growth").isEmpty();
  }

  @Test
  void aClassSetByTheServersDefaultIsNoChange() {
    // No class in the spec; default class admission wrote one into the claim.
    PersistentVolumeClaim existing = claimOf(Fixtures.registry(), "Bound");
    existing.getSpec().setStorageClassName("cluster-default");

    assertThat(ClaimChanges.check(Fixtures.registry(), existing, noStorageClasses())).isEmpty();
  }

  @Test
  void aClassForAClaimWithoutOneIsLeftToTheApiServer() {
    // Newer API servers let a class be set on a claim without one; older ones answer 422, which
    // the claim dependent reports in the server's words.
    PersistentVolumeClaim existing = claimOf(Fixtures.registry(), "Pending");

    assertThat(check(spec -> spec.storage.storageClassName = "fast", existing)).isEmpty();
  }

  @Test
  void aStorageClassChangeIsNotPossible() {
    PersistentVolumeClaim existing =
        claimOf(Fixtures.registry(spec -> spec.storage.storageClassName = "standard"), "Bound");

    Problem problem = check(spec -> spec.storage.storageClassName = "fast", existing).orElseThrow();

    assertThat(problem.reason()).isEqualTo("ClaimChangeNotPossible");
    assertThat(problem.message())
        .contains("Claim 'demo-data'")
        .contains("spec.storage.storageClassName is 'fast'")
        .contains("storage class is 'standard'")
        .contains("spec.storage.existingClaim")
        .contains("delete claim 'demo-data'");
    assertThat(storageClassLookups).isEmpty();
  }

  @Test
  void anAccessModeChangeIsNotPossible() {
    PersistentVolumeClaim existing = claimOf(Fixtures.registry(), "Bound");

    Problem problem =
        check(spec -> spec.storage.accessModes = List.of(AccessMode.ReadWriteMany), existing)
            .orElseThrow();

    assertThat(problem.reason()).isEqualTo("ClaimChangeNotPossible");
    assertThat(problem.message())
        .contains("spec.storage.accessModes is [ReadWriteMany]")
        .contains("[ReadWriteOnce]");
  }

  @Test
  void aShrinkIsNotPossible() {
    PersistentVolumeClaim existing = claimOf(Fixtures.registry(), "Bound");

    Problem problem = check(spec -> spec.storage.size = "5Gi", existing).orElseThrow();

    assertThat(problem.reason()).isEqualTo("ClaimChangeNotPossible");
    assertThat(problem.message())
        .contains("spec.storage.size is 5Gi but the claim requests 10Gi")
        .contains("cannot shrink");
  }

  @Test
  void theSameSizeWrittenDifferentlyIsNoChange() {
    PersistentVolumeClaim existing = claimOf(Fixtures.registry(), "Bound");

    assertThat(check(spec -> spec.storage.size = "10240Mi", existing)).isEmpty();
  }

  @Test
  void everyImpossibleChangeIsNamedInOneProblem() {
    // One edit, one Warning: the user learns everything at once.
    PersistentVolumeClaim existing =
        claimOf(Fixtures.registry(spec -> spec.storage.storageClassName = "standard"), "Bound");

    Problem problem =
        check(
                spec -> {
                  spec.storage.storageClassName = "fast";
                  spec.storage.size = "1Gi";
                },
                existing)
            .orElseThrow();

    assertThat(problem.message()).contains("storageClassName").contains("cannot shrink");
  }

  @Test
  void growthIsFineWhenTheClaimIsBoundAndItsClassAllowsExpansion() {
    PersistentVolumeClaim existing =
        claimOf(Fixtures.registry(spec -> spec.storage.storageClassName = "expandable"), "Bound");

    assertThat(
            check(
                spec -> {
                  spec.storage.storageClassName = "expandable";
                  spec.storage.size = "20Gi";
                },
                existing))
        .isEmpty();
    assertThat(storageClassLookups).containsExactly("expandable");
  }

  @Test
  void growthFollowsTheClassTheServerDefaulted() {
    PersistentVolumeClaim existing = claimOf(Fixtures.registry(), "Bound");
    existing.getSpec().setStorageClassName("expandable");

    assertThat(check(spec -> spec.storage.size = "20Gi", existing)).isEmpty();
    assertThat(storageClassLookups).containsExactly("expandable");
  }

  @Test
  void growthIsNotAllowedWhenTheClassDoesNotAllowExpansion() {
    for (String storageClass : List.of("fixed", "unsaid")) {
      PersistentVolumeClaim existing =
          claimOf(Fixtures.registry(spec -> spec.storage.storageClassName = storageClass), "Bound");

      Problem problem =
          check(
                  spec -> {
                    spec.storage.storageClassName = storageClass;
                    spec.storage.size = "20Gi";
                  },
                  existing)
              .orElseThrow();

      assertThat(problem.reason()).isEqualTo("ClaimExpansionNotAllowed");
      assertThat(problem.message())
          .contains("spec.storage.size 20Gi would grow claim 'demo-data' from 10Gi")
          .contains("storage class '" + storageClass + "' does not allow volume expansion")
          .contains("Set spec.storage.size back to 10Gi");
    }
  }

  @Test
  void growthIsNotAllowedWithoutAClassOrWithOneThatDoesNotExist() {
    Problem noClass =
        check(spec -> spec.storage.size = "20Gi", claimOf(Fixtures.registry(), "Bound"))
            .orElseThrow();
    assertThat(noClass.reason()).isEqualTo("ClaimExpansionNotAllowed");
    assertThat(noClass.message()).contains("the claim has no storage class");

    PersistentVolumeClaim existing =
        claimOf(Fixtures.registry(spec -> spec.storage.storageClassName = "gone"), "Bound");
    Problem missing =
        check(
                spec -> {
                  spec.storage.storageClassName = "gone";
                  spec.storage.size = "20Gi";
                },
                existing)
            .orElseThrow();
    assertThat(missing.reason()).isEqualTo("ClaimExpansionNotAllowed");
    assertThat(missing.message()).contains("storage class 'gone' does not exist");
  }

  @Test
  void theBetaAnnotationNamesTheClassForExpansionAsItDoesForTheApiServer() {
    PersistentVolumeClaim existing = claimOf(Fixtures.registry(), "Bound");
    existing
        .getMetadata()
        .setAnnotations(Map.of("volume.beta.kubernetes.io/storage-class", "fixed"));

    assertThat(check(spec -> spec.storage.size = "20Gi", existing))
        .hasValueSatisfying(
            problem ->
                assertThat(problem.message()).contains("storage class 'fixed' does not allow"));
  }

  @Test
  void growthOfAnUnboundClaimWaitsUntilItIsBound() {
    PersistentVolumeClaim existing =
        claimOf(Fixtures.registry(spec -> spec.storage.storageClassName = "expandable"), "Pending");

    Problem problem =
        check(
                spec -> {
                  spec.storage.storageClassName = "expandable";
                  spec.storage.size = "20Gi";
                },
                existing)
            .orElseThrow();

    assertThat(problem.reason()).isEqualTo("ClaimNotBound");
    assertThat(problem.message()).contains("phase Pending").contains("grows once it is bound");
  }

  @Test
  void anAdoptedClaimIsNeverChecked() {
    // The operator never writes an adopted claim, so it has nothing to ask of the API server.
    PersistentVolumeClaim existing = claimOf(Fixtures.registry(), "Bound");

    assertThat(
            check(
                spec -> {
                  spec.storage.existingClaim = "team-data";
                  spec.storage.size = "1Gi";
                },
                existing))
        .isEmpty();
  }

  @Test
  void aRefusalTheChecksDidNotForeseeQuotesTheServer() {
    Problem problem =
        ClaimChanges.refusedByServer(
            "demo-data",
            "PersistentVolumeClaim \"demo-data\" is invalid: spec: Forbidden: spec is immutable");

    assertThat(problem.reason()).isEqualTo("ClaimUpdateRefused");
    assertThat(problem.message())
        .startsWith(
            "The API server refused to update claim 'demo-data': PersistentVolumeClaim \"demo-data\""
                + " is invalid: spec: Forbidden: spec is immutable. ")
        .contains("spec.storage.existingClaim");
  }

  @Test
  void onlyTheFirstLineOfTheServersMessageIsQuoted() {
    // 1.20 appends a dump of the whole claim spec as a diff.
    Problem problem =
        ClaimChanges.refusedByServer(
            "demo-data",
            "PersistentVolumeClaim \"demo-data\" is invalid: spec: Forbidden: spec is immutable after"
                + " creation except resources.requests for bound claims\n"
                + "  core.PersistentVolumeClaimSpec{\n- \tStorageClassName: &\"fast\",\n  }");

    assertThat(problem.message())
        .contains("for bound claims. Set spec.storage back")
        .doesNotContain("PersistentVolumeClaimSpec")
        .doesNotContain("\n");
  }

  private Optional<Problem> check(
      Consumer<PrivateRegistrySpec> change, PersistentVolumeClaim existing) {
    return ClaimChanges.check(Fixtures.registry(change), existing, storageClasses());
  }

  /** The claim the operator renders for the registry, as the API server hands it back. */
  private static PersistentVolumeClaim claimOf(PrivateRegistry registry, String phase) {
    return new PersistentVolumeClaimBuilder(RegistryClaim.render(registry))
        .withNewStatus()
        .withPhase(phase)
        .endStatus()
        .build();
  }

  private Function<String, Optional<StorageClass>> storageClasses() {
    Map<String, StorageClass> classes =
        Map.of(
            "expandable", storageClass("expandable", true),
            "fixed", storageClass("fixed", false),
            "unsaid", storageClass("unsaid", null));
    return name -> {
      storageClassLookups.add(name);
      return Optional.ofNullable(classes.get(name));
    };
  }

  private Function<String, Optional<StorageClass>> noStorageClasses() {
    return name -> {
      storageClassLookups.add(name);
      return Optional.empty();
    };
  }

  private static StorageClass storageClass(String name, Boolean allowVolumeExpansion) {
    return new StorageClassBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withProvisioner("example.test/provisioner")
        .withAllowVolumeExpansion(allowVolumeExpansion)
        .build();
  }
}
