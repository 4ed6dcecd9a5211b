package dev.registryoperator.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.registry.model.RegistryClaim;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The claim spec.storage.existingClaim names: it must exist and be no other registry's. */
class ExistingClaimsTest {

  @Test
  void withoutExistingClaimThereIsNothingToCheck() {
    PrivateRegistry registry = Fixtures.registry();

    assertThat(ExistingClaims.check(registry, null, List.of(registry))).isEmpty();
  }

  @Test
  void aMissingClaimIsNamed() {
    PrivateRegistry registry = adopting("adopter", "gone-data");

    assertThat(ExistingClaims.check(registry, null, List.of(registry)))
        .hasValueSatisfying(
            problem -> {
              assertThat(problem.reason()).isEqualTo("ExistingClaimNotFound");
              assertThat(problem.message()).contains("'gone-data'", "does not exist");
            });
  }

  @Test
  void aClaimOfItsOwnOrOfADeletedRegistryIsAdopted() {
    PrivateRegistry registry = adopting("adopter", "plain-data");
    PersistentVolumeClaim plain =
        new PersistentVolumeClaimBuilder()
            .withNewMetadata()
            .withName("plain-data")
            .endMetadata()
            .build();
    assertThat(ExistingClaims.check(registry, plain, List.of(registry))).isEmpty();

    // The claim the operator made for registry "old", kept when "old" was deleted.
    PersistentVolumeClaim orphan = RegistryClaim.render(named("old"));
    PrivateRegistry adopter = adopting("adopter", orphan.getMetadata().getName());
    assertThat(ExistingClaims.check(adopter, orphan, List.of(adopter))).isEmpty();
  }

  @Test
  void theClaimOfAnotherLiveRegistryIsNotTaken() {
    PrivateRegistry owner = named("demo");
    PersistentVolumeClaim ownersClaim = RegistryClaim.render(owner);
    PrivateRegistry taker = adopting("taker", ownersClaim.getMetadata().getName());

    assertThat(ExistingClaims.check(taker, ownersClaim, List.of(owner, taker)))
        .hasValueSatisfying(
            problem -> {
              assertThat(problem.reason()).isEqualTo("ExistingClaimInUse");
              assertThat(problem.message()).contains("'demo-data'", "PrivateRegistry 'demo'");
            });
  }

  @Test
  void aClaimAnotherRegistryAdoptedIsNotTakenEither() {
    PersistentVolumeClaim shared =
        new PersistentVolumeClaimBuilder()
            .withNewMetadata()
            .withName("shared")
            .endMetadata()
            .build();
    PrivateRegistry first = adopting("first", "shared");
    PrivateRegistry second = adopting("second", "shared");

    assertThat(ExistingClaims.check(second, shared, List.of(first, second)))
        .hasValueSatisfying(
            problem -> assertThat(problem.message()).contains("PrivateRegistry 'first'"));
  }

  private static PrivateRegistry named(String name) {
    PrivateRegistry registry = Fixtures.registry();
    registry.getMetadata().setName(name);
    return registry;
  }

  private static PrivateRegistry adopting(String name, String claim) {
    PrivateRegistry registry = named(name);
    registry.getSpec().storage.existingClaim = claim;
    return registry;
  }
}
