package dev.registryoperator.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.ContainerResources;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.ServiceSpec.ServiceType;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the schema cannot say about a PrivateRegistry, checked before anything is applied. */
class RegistryValidationTest {

  @Test
  void theDefaultsAreValid() {
    assertThat(RegistryValidation.validate(Fixtures.registry())).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1registry",
        "registry.example",
        "Registry",
        "a-name-of-sixty-four-characters-is-one-too-long-for-a-dns-label1"
      })
  void namesThatCannotNameAServiceAreRejected(String name) {
    PrivateRegistry registry = Fixtures.registry();
    registry.getMetadata().setName(name);

    assertThat(RegistryValidation.validate(registry))
        .hasValueSatisfying(problem -> assertThat(problem.reason()).isEqualTo("InvalidName"));
  }

  /** The longest child name, the metrics Service "<name>-metrics", must still name a Service. */
  @Test
  void aNameIsAtMost55CharactersSoThatEveryChildCanBeNamed() {
    PrivateRegistry longest = Fixtures.registry();
    longest.getMetadata().setName("r" + "e".repeat(54));
    PrivateRegistry tooLong = Fixtures.registry();
    tooLong.getMetadata().setName("r" + "e".repeat(55));

    assertThat(RegistryValidation.validate(longest)).isEmpty();
    assertThat(RegistryValidation.validate(tooLong))
        .hasValueSatisfying(
            problem -> {
              assertThat(problem.reason()).isEqualTo("InvalidName");
              assertThat(problem.message())
                  .contains("'r" + "e".repeat(55) + "-metrics'")
                  .contains("use at most 55 characters");
            });
  }

  @Test
  void resourcesMustBeQuantitiesTheApiServerReads() {
    PrivateRegistry fine =
        Fixtures.registry(
            spec -> {
              spec.resources.registry = new ContainerResources();
              spec.resources.registry.requests =
                  Map.of("cpu", new IntOrString("250m"), "memory", new IntOrString("0.5Gi"));
              spec.resources.registry.limits = Map.of("memory", new IntOrString(1000000000));
            });
    assertThat(RegistryValidation.validate(fine)).isEmpty();

    for (String bad : List.of("lots", "-1Gi", "1.5.5Gi", "12 Mi")) {
      PrivateRegistry registry =
          Fixtures.registry(
              spec -> {
                spec.resources.proxy = new ContainerResources();
                spec.resources.proxy.limits = Map.of("memory", new IntOrString(bad));
              });
      assertThat(RegistryValidation.validate(registry))
          .as(bad)
          .hasValueSatisfying(
              problem -> {
                assertThat(problem.reason()).isEqualTo("InvalidSpec");
                assertThat(problem.message())
                    .contains("spec.resources.proxy.limits.memory is not a quantity");
              });
    }
  }

  @Test
  void theProxyPortCannotTakeTheMetricsPort() {
    assertThat(RegistryValidation.validate(Fixtures.registry(spec -> spec.proxy.port = 9091)))
        .hasValueSatisfying(
            problem -> {
              assertThat(problem.reason()).isEqualTo("InvalidSpec");
              assertThat(problem.message()).contains("spec.proxy.port").contains("9091");
            });
  }

  @Test
  void aNodePortNeedsANodePortOrLoadBalancerService() {
    assertThat(
            RegistryValidation.validate(Fixtures.registry(spec -> spec.service.nodePort = 30500)))
        .hasValueSatisfying(
            problem -> {
              assertThat(problem.reason()).isEqualTo("InvalidSpec");
              assertThat(problem.message()).contains("spec.service.nodePort");
            });
    assertThat(
            RegistryValidation.validate(
                Fixtures.registry(
                    spec -> {
                      spec.service.type = ServiceType.NodePort;
                      spec.service.nodePort = 30500;
                    })))
        .isEmpty();
  }

  @Test
  void anAdoptedClaimIsNeverDeleted() {
    assertThat(
            RegistryValidation.validate(
                Fixtures.registry(
                    spec -> {
                      spec.storage.existingClaim = "data";
                      spec.storage.deleteClaim = true;
                    })))
        .hasValueSatisfying(problem -> assertThat(problem.message()).contains("existingClaim"));
  }

  @Test
  void theRenewalWindowMustBeShorterThanTheValidity() {
    assertThat(
            RegistryValidation.validate(
                Fixtures.registry(
                    spec -> {
                      spec.tls.validityDays = 30;
                      spec.tls.renewBeforeDays = 30;
                    })))
        .hasValueSatisfying(problem -> assertThat(problem.message()).contains("renewBeforeDays"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"every night", "0 3 * *", "0 0 3 * * ?", "61 3 * * *", "0 3 * * 8"})
  void aScheduleThatIsNoCronScheduleIsReportedAsSuch(String schedule) {
    PrivateRegistry registry =
        Fixtures.registry(
            spec -> {
              spec.maintenance = new dev.registryoperator.api.v1alpha1.MaintenanceSpec();
              spec.maintenance.garbageCollection =
                  new dev.registryoperator.api.v1alpha1.GarbageCollectionSpec();
              spec.maintenance.garbageCollection.schedule = schedule;
            });

    assertThat(RegistryValidation.validate(registry))
        .as("schedule '%s'", schedule)
        .hasValueSatisfying(
            problem -> {
              assertThat(problem.reason()).isEqualTo("GarbageCollectionScheduleInvalid");
              assertThat(problem.message())
                  .contains("spec.maintenance.garbageCollection.schedule '" + schedule + "'")
                  .contains("5-field cron schedule");
            });
  }

  @Test
  void aScheduleThatIsOneIsValid() {
    PrivateRegistry registry =
        Fixtures.registry(
            spec -> {
              spec.maintenance = new dev.registryoperator.api.v1alpha1.MaintenanceSpec();
              spec.maintenance.garbageCollection =
                  new dev.registryoperator.api.v1alpha1.GarbageCollectionSpec();
              spec.maintenance.garbageCollection.schedule = "30 2 * * sun";
            });

    assertThat(RegistryValidation.validate(registry)).isEmpty();
  }

  @Test
  void aSecretAndAnIssuerExcludeEachOther() {
    var issuer = new dev.registryoperator.api.v1alpha1.IssuerRef();
    issuer.name = "team-ca";

    assertThat(
            RegistryValidation.validate(
                Fixtures.registry(
                    spec -> {
                      spec.tls.secretName = "own-cert";
                      spec.tls.issuerRef = issuer;
                    })))
        .as("a server without CEL accepts both; the reconciler refuses them")
        .hasValueSatisfying(
            problem -> {
              assertThat(problem.reason()).isEqualTo("InvalidSpec");
              assertThat(problem.message()).contains("secretName", "issuerRef");
            });
    assertThat(RegistryValidation.validate(Fixtures.registry(spec -> spec.tls.issuerRef = issuer)))
        .isEmpty();
  }
}
