package dev.registryoperator.registry;

import static dev.registryoperator.testing.Fixtures.CLOCK;
import static dev.registryoperator.testing.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.IngressSpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistryStatus;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.registry.RegistryStatus.Observed;
import dev.registryoperator.registry.model.DataMode;
import dev.registryoperator.status.Conditions;
import dev.registryoperator.status.Problem;
import dev.registryoperator.status.StatusPatches;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.KeyAndCertificate;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The registry's status as a pure function of the registry, what was observed, and the clock. */
class RegistryStatusTest {

  private static final String URL = "https://demo.team-a.svc:15000";

  private static Secret servedCertificate;

  @BeforeAll
  static void issueACertificate() {
    CertificateAuthority ca = CertificateAuthority.generate("demo.team-a", CLOCK);
    KeyAndCertificate serving =
        ca.issueServerCertificate(List.of("demo.team-a.svc"), Duration.ofDays(30), CLOCK);
    servedCertificate = tlsSecret(serving.certificatePem());
  }

  @Test
  void aPendingCertificateKeepsAnAvailableRegistryNotReadyAndSaysWhy() {
    Problem pending =
        new Problem(
            IssuedTlsSecrets.PENDING, "Waiting for cert-manager to issue Certificate 'demo'.");
    Observed observed =
        new Observed(
            Optional.of(available()),
            Optional.of(servedCertificate),
            Optional.of(pending),
            true,
            2,
            Optional.empty(),
            Optional.empty(),
            DataMode.READ_WRITE);

    Condition ready = ready(RegistryStatus.of(Fixtures.registry(), observed, CLOCK));

    assertThat(ready.getStatus())
        .as("the proxy serves the operator's certificate, not the one cert-manager was asked for")
        .isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("CertificatePending");
    assertThat(ready.getMessage()).isEqualTo(pending.message());
  }

  @Test
  void readyWhenTheDeploymentIsAvailable() {
    PrivateRegistryStatus status =
        RegistryStatus.of(Fixtures.registry(), observed(Optional.of(available())), CLOCK);

    Condition ready = ready(status);
    assertThat(ready.getStatus()).isEqualTo("True");
    assertThat(ready.getReason()).isEqualTo("Available");
    assertThat(ready.getMessage()).isEqualTo("The registry is serving at " + URL + ".");
  }

  @Test
  void readyDuringAGarbageCollectionSaysTheRegistryIsReadOnly() {
    Observed readWrite = observed(Optional.of(available()));
    Observed readOnly =
        new Observed(
            readWrite.deployment(),
            readWrite.servedCertificate(),
            readWrite.certificatePending(),
            readWrite.caBundlePublished(),
            readWrite.listedUsers(),
            readWrite.nodeAccess(),
            readWrite.claim(),
            DataMode.READ_ONLY);

    PrivateRegistryStatus status = RegistryStatus.of(Fixtures.registry(), readOnly, CLOCK);

    Condition ready = ready(status);
    assertThat(ready.getStatus()).isEqualTo("True");
    assertThat(ready.getReason()).isEqualTo("Available");
    assertThat(ready.getMessage())
        .isEqualTo(
            "The registry is serving at "
                + URL
                + ", read-only while garbage collection runs: pushes are refused.");
  }

  @Test
  void storageShowsTheClaimAsTheClusterReportsIt() {
    PrivateRegistryStatus status =
        RegistryStatus.of(Fixtures.registry(), withClaim(claim("Bound", "20Gi", "10Gi")), CLOCK);

    assertThat(status.storage.claim).isEqualTo("demo-data");
    assertThat(status.storage.phase).isEqualTo("Bound");
    assertThat(status.storage.capacity).as("a growth in progress").isEqualTo("10Gi");
    assertThat(status.storage.requested).isEqualTo("20Gi");
  }

  @Test
  void anUnboundClaimHasNoCapacityYet() {
    PrivateRegistryStatus status =
        RegistryStatus.of(Fixtures.registry(), withClaim(claim("Pending", "10Gi", null)), CLOCK);

    assertThat(status.storage.phase).isEqualTo("Pending");
    assertThat(status.storage.capacity).isNull();
    assertThat(status.storage.requested).isEqualTo("10Gi");
  }

  @Test
  void beforeTheClaimIsSeenOnlyItsNameIsKnown() {
    PrivateRegistryStatus status = of(Optional.of(available()));

    assertThat(status.storage.claim).isEqualTo("demo-data");
    assertThat(status.storage.phase).isNull();
    assertThat(status.storage.capacity).isNull();
  }

  /** The claim the pod mounts is the adopted one, even while the operator's own still exists. */
  @Test
  void anAdoptedClaimIsReportedInsteadOfTheOwnOne() {
    PrivateRegistry registry = Fixtures.registry();
    registry.getSpec().storage.existingClaim = "team-data";
    RegistryObservation seen =
        new RegistryObservation(
            null,
            true,
            null,
            Optional.empty(),
            null,
            Optional.empty(),
            Optional.of(claim("demo-data", "Bound", "10Gi", "10Gi")),
            claim("team-data", "Bound", "50Gi", "64Gi"),
            List.of(registry),
            name -> Optional.empty(),
            Optional.empty(),
            GarbageCollection.JobSeen.ABSENT);

    PrivateRegistryStatus status =
        RegistryStatus.of(
            registry,
            withClaim(seen.dataClaim(Optional.of(claim("Bound", "10Gi", "10Gi"))).orElseThrow()),
            CLOCK);

    assertThat(status.storage.claim).isEqualTo("team-data");
    assertThat(status.storage.phase).isEqualTo("Bound");
    assertThat(status.storage.capacity).isEqualTo("64Gi");
    assertThat(status.storage.requested).isEqualTo("50Gi");
  }

  @Test
  void notReadyWithoutAnAvailableCondition() {
    Deployment unavailable = deployment(0, "Available", "False");
    Deployment progressingOnly = deployment(1, "Progressing", "True");
    Deployment noStatus =
        new DeploymentBuilder().withNewMetadata().withName("demo").endMetadata().build();

    assertThat(ready(of(Optional.of(unavailable))))
        .extracting(Condition::getStatus, Condition::getReason, Condition::getMessage)
        .containsExactly("False", "DeploymentUnavailable", waiting(0));
    assertThat(ready(of(Optional.of(progressingOnly))))
        .as("available replicas alone do not make it Ready")
        .extracting(Condition::getStatus, Condition::getMessage)
        .containsExactly("False", waiting(1));
    assertThat(ready(of(Optional.of(noStatus))))
        .extracting(Condition::getStatus, Condition::getMessage)
        .containsExactly("False", waiting(0));
    assertThat(ready(of(Optional.empty())))
        .extracting(Condition::getStatus, Condition::getReason)
        .containsExactly("False", "DeploymentUnavailable");
  }

  @Test
  void observedGenerationOnTheStatusAndOnTheCondition() {
    PrivateRegistry registry = Fixtures.registry();
    registry.getMetadata().setGeneration(7L);

    PrivateRegistryStatus status =
        RegistryStatus.of(registry, observed(Optional.of(available())), CLOCK);

    assertThat(status.observedGeneration).isEqualTo(7L);
    assertThat(ready(status).getObservedGeneration()).isEqualTo(7L);
  }

  @Test
  void theTransitionTimeMovesOnlyWhenReadyFlips() {
    PrivateRegistry registry = Fixtures.registry();
    registry.setStatus(RegistryStatus.of(registry, observed(Optional.empty()), CLOCK));

    PrivateRegistryStatus becameReady =
        RegistryStatus.of(registry, observed(Optional.of(available())), Fixtures.daysLater(1));
    registry.setStatus(becameReady);
    PrivateRegistryStatus stillReady =
        RegistryStatus.of(registry, observed(Optional.of(available())), Fixtures.daysLater(2));

    assertThat(ready(becameReady).getLastTransitionTime())
        .isEqualTo(NOW.plus(Duration.ofDays(1)).toString());
    assertThat(ready(stillReady).getLastTransitionTime())
        .isEqualTo(ready(becameReady).getLastTransitionTime());
    assertThat(StatusPatches.changed(registry.getStatus(), stillReady))
        .as("a resync of a ready registry writes nothing")
        .isFalse();
  }

  @Test
  void urlAlwaysExternalUrlOnlyWithAnIngress() {
    PrivateRegistry withIngress =
        Fixtures.registry(
            spec -> {
              spec.ingress = new IngressSpec();
              spec.ingress.host = "registry.example.com";
            });
    PrivateRegistry withoutIngress = Fixtures.registry();
    withoutIngress.setStatus(RegistryStatus.of(withIngress, observed(Optional.empty()), CLOCK));

    PrivateRegistryStatus exposed =
        RegistryStatus.of(withIngress, observed(Optional.empty()), CLOCK);
    PrivateRegistryStatus internal =
        RegistryStatus.of(withoutIngress, observed(Optional.empty()), CLOCK);

    assertThat(exposed.url).isEqualTo(URL);
    assertThat(exposed.externalUrl).isEqualTo("https://registry.example.com");
    assertThat(internal.url).isEqualTo(URL);
    assertThat(internal.externalUrl).as("a removed Ingress leaves no URL behind").isNull();
  }

  @Test
  void theCaBundleIsNamedOnlyOncePublished() {
    PrivateRegistry registry = Fixtures.registry();
    PrivateRegistryStatus published =
        RegistryStatus.of(registry, withoutDeployment(Optional.empty(), true, 0), CLOCK);
    registry.setStatus(published);

    PrivateRegistryStatus gone =
        RegistryStatus.of(registry, withoutDeployment(Optional.empty(), false, 0), CLOCK);

    assertThat(published.caBundleConfigMap).isEqualTo("demo-ca-bundle");
    assertThat(gone.caBundleConfigMap).isNull();
  }

  @Test
  void certificateExpiryIsTheServedCertificatesNotAfter() {
    PrivateRegistryStatus served =
        RegistryStatus.of(
            Fixtures.registry(), withoutDeployment(Optional.of(servedCertificate), true, 0), CLOCK);

    assertThat(served.certificateExpiry).isEqualTo("2025-03-31T12:00:00Z");
  }

  @Test
  void noCertificateExpiryWithoutAReadableCertificate() {
    PrivateRegistry registry = Fixtures.registry();
    registry.setStatus(
        RegistryStatus.of(
            registry, withoutDeployment(Optional.of(servedCertificate), true, 0), CLOCK));

    PrivateRegistryStatus unreadable =
        RegistryStatus.of(
            registry,
            withoutDeployment(Optional.of(tlsSecret("not a certificate")), true, 0),
            CLOCK);
    PrivateRegistryStatus none =
        RegistryStatus.of(registry, withoutDeployment(Optional.empty(), true, 0), CLOCK);

    assertThat(unreadable.certificateExpiry).isNull();
    assertThat(none.certificateExpiry).isNull();
  }

  @Test
  void usersIsTheNumberOfListedUsers() {
    PrivateRegistry registry = Fixtures.registry();
    registry.setStatus(
        RegistryStatus.of(registry, withoutDeployment(Optional.empty(), true, 3), CLOCK));

    PrivateRegistryStatus fewer =
        RegistryStatus.of(registry, withoutDeployment(Optional.empty(), true, 0), CLOCK);

    assertThat(registry.getStatus().users).isEqualTo(3);
    assertThat(fewer.users).isEqualTo(0);
  }

  @Test
  void otherConditionsAndTheCachedStatusAreLeftAlone() {
    PrivateRegistry registry = Fixtures.registry();
    PrivateRegistryStatus cached = new PrivateRegistryStatus();
    cached.conditions =
        Conditions.with(null, "Degraded", false, "Fine", "Nothing wrong.", 1L, Instant.EPOCH);
    registry.setStatus(cached);

    PrivateRegistryStatus status =
        RegistryStatus.of(registry, observed(Optional.of(available())), CLOCK);

    assertThat(status.conditions)
        .extracting(Condition::getType)
        .containsExactly("Degraded", "Ready");
    assertThat(cached.conditions).extracting(Condition::getType).containsExactly("Degraded");
    assertThat(cached.url).isNull();
  }

  private static PrivateRegistryStatus of(Optional<Deployment> deployment) {
    return RegistryStatus.of(Fixtures.registry(), observed(deployment), CLOCK);
  }

  private static Observed observed(Optional<Deployment> deployment) {
    return new Observed(
        deployment,
        Optional.of(servedCertificate),
        Optional.empty(),
        true,
        2,
        Optional.empty(),
        Optional.empty(),
        DataMode.READ_WRITE);
  }

  private static Observed withClaim(PersistentVolumeClaim claim) {
    return new Observed(
        Optional.of(available()),
        Optional.of(servedCertificate),
        Optional.empty(),
        true,
        2,
        Optional.empty(),
        Optional.of(claim),
        DataMode.READ_WRITE);
  }

  private static PersistentVolumeClaim claim(String phase, String requested, String capacity) {
    return claim("demo-data", phase, requested, capacity);
  }

  private static PersistentVolumeClaim claim(
      String name, String phase, String requested, String capacity) {
    PersistentVolumeClaimBuilder claim =
        new PersistentVolumeClaimBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withNewResources()
            .addToRequests(Keys.STORAGE_RESOURCE, new Quantity(requested))
            .endResources()
            .endSpec();
    if (phase != null) {
      claim.withNewStatus().withPhase(phase).endStatus();
      if (capacity != null) {
        claim.editStatus().addToCapacity(Keys.STORAGE_RESOURCE, new Quantity(capacity)).endStatus();
      }
    }
    return claim.build();
  }

  private static Observed withoutDeployment(
      Optional<Secret> servedCertificate, boolean caBundlePublished, int listedUsers) {
    return new Observed(
        Optional.empty(),
        servedCertificate,
        Optional.empty(),
        caBundlePublished,
        listedUsers,
        Optional.empty(),
        Optional.empty(),
        DataMode.READ_WRITE);
  }

  private static String waiting(int availableReplicas) {
    return "Waiting for the registry pod to become available ("
        + availableReplicas
        + "/1 available).";
  }

  private static Condition ready(PrivateRegistryStatus status) {
    return Conditions.find(status.conditions, Conditions.READY).orElseThrow();
  }

  private static Deployment available() {
    return deployment(1, "Available", "True");
  }

  private static Deployment deployment(int availableReplicas, String conditionType, String status) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName("demo")
        .withNamespace("team-a")
        .endMetadata()
        .withNewStatus()
        .withAvailableReplicas(availableReplicas)
        .withConditions(
            new DeploymentConditionBuilder()
                .withType(conditionType)
                .withStatus(status)
                .withReason("MinimumReplicasAvailable")
                .build())
        .endStatus()
        .build();
  }

  private static Secret tlsSecret(String certificatePem) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName("demo-tls")
        .withNamespace("team-a")
        .endMetadata()
        .withType("kubernetes.io/tls")
        .withData(SecretData.encode(Map.of(Keys.TLS_CERT, certificatePem)))
        .build();
  }
}
