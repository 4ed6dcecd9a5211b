package dev.registryoperator.registry.model;

import static dev.registryoperator.testing.Fixtures.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.registryoperator.api.v1alpha1.IngressSpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.OwnedMetadata;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.ExternalTool;
import dev.registryoperator.tls.KeyAndCertificate;
import dev.registryoperator.tls.ServingCertificatePolicy;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsMaterialTest {

  private static final List<String> SERVICE_NAMES =
      List.of("demo", "demo.team-a", "demo.team-a.svc", "demo.team-a.svc.cluster.local");

  private static CertificateAuthority ca;
  private static Secret caSecret;

  @BeforeAll
  static void createCa() {
    ca = CertificateAuthority.generate("demo.team-a", CLOCK);
    caSecret = TlsMaterial.caSecret(Fixtures.registry(), ca);
  }

  @Test
  void caSecretIsAKubernetesTlsSecretWithCertificateAndKey() {
    assertThat(caSecret.getMetadata().getName()).isEqualTo("demo-ca");
    assertThat(caSecret.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(caSecret.getData()).containsOnlyKeys("tls.crt", "tls.key");
    assertThat(SecretData.decode(caSecret, "tls.crt"))
        .contains(ca.keyAndCertificate().certificatePem());
    assertThat(SecretData.decode(caSecret, "tls.key")).contains(ca.keyAndCertificate().keyPem());
  }

  @Test
  void theCaOutlivesItsRegistryByDefaultLikeTheClaimSoARecreatedRegistryKeepsIt() {
    assertThat(caSecret.getMetadata().getOwnerReferences())
        .as("owner references of a CA Secret without deleteClaim")
        .isNullOrEmpty();
    assertThat(caSecret.getMetadata().getLabels())
        .as("the labels a re-created registry finds its CA by")
        .containsEntry(Labels.REGISTRY, "demo")
        .containsEntry(Labels.MANAGED_BY, Labels.OPERATOR_NAME);
  }

  @Test
  void theCaIsControlledByTheRegistryWhenTheUserOptedIntoDeletingTheData() {
    Secret owned =
        TlsMaterial.caSecret(Fixtures.registry(spec -> spec.storage.deleteClaim = true), ca);

    assertThat(owned.getMetadata().getOwnerReferences())
        .as("owner references of a CA Secret with deleteClaim")
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getKind()).isEqualTo("PrivateRegistry");
              assertThat(owner.getUid()).isEqualTo(Fixtures.UID);
              assertThat(owner.getController()).isTrue();
            });
  }

  @Test
  void anExistingCaFollowsDeleteClaimInItsOwnerReferencesOnlyAndKeepsOthersReferences() {
    OwnerReference someoneElses =
        new OwnerReferenceBuilder()
            .withApiVersion("example.test/v1")
            .withKind("Backup")
            .withName("nightly")
            .withUid("7d1c1a7e-0000-4e51-9a52-0c6b2f6f4d10")
            .build();
    Secret existing =
        new SecretBuilder(caSecret)
            .editMetadata()
            .withResourceVersion("42")
            .withOwnerReferences(someoneElses)
            .endMetadata()
            .build();
    PrivateRegistry deleting = Fixtures.registry(spec -> spec.storage.deleteClaim = true);

    Secret owned = TlsMaterial.caSecretOwnedAsSpecified(deleting, existing);
    Secret releasedAgain = TlsMaterial.caSecretOwnedAsSpecified(Fixtures.registry(), owned);

    assertThat(owned.getMetadata().getOwnerReferences())
        .as("owner references once deleteClaim is set")
        .containsExactly(someoneElses, OwnedMetadata.controllerReference(deleting));
    assertThat(releasedAgain.getMetadata().getOwnerReferences())
        .as("owner references once deleteClaim is unset again")
        .containsExactly(someoneElses);
    assertThat(List.of(owned, releasedAgain))
        .allSatisfy(
            secret -> {
              assertThat(secret.getData())
                  .as("the CA's key and certificate")
                  .isEqualTo(existing.getData());
              assertThat(secret.getMetadata().getResourceVersion())
                  .as("the resourceVersion the update is checked against")
                  .isEqualTo("42");
            });
    assertThat(existing.getMetadata().getOwnerReferences())
        .as("the cached Secret is not modified")
        .containsExactly(someoneElses);
  }

  @Test
  void secretsAreWrittenAsDataNotStringData() {
    // stringData changes the resourceVersion on every server-side apply.
    Secret serving =
        TlsMaterial.servingCertificate(Fixtures.registry(), null, caSecret, CLOCK).secret();

    assertThat(caSecret.getStringData()).isNullOrEmpty();
    assertThat(serving.getStringData()).isNullOrEmpty();
  }

  @Test
  void caReadBackFromItsSecretIsTheSameCa() {
    CertificateAuthority readBack = TlsMaterial.readCa(caSecret).orElseThrow();

    assertThat(readBack.certificate()).isEqualTo(ca.certificate());
    assertThat(readBack.keyAndCertificate().key().getEncoded())
        .isEqualTo(ca.keyAndCertificate().key().getEncoded());
  }

  @Test
  void missingOrDamagedSecretsReadAsEmpty() {
    Secret noKey =
        new SecretBuilder(caSecret)
            .withData(Map.of("tls.crt", caSecret.getData().get("tls.crt")))
            .build();
    Secret garbage =
        new SecretBuilder(caSecret)
            .withData(SecretData.encode(Map.of("tls.crt", "junk", "tls.key", "junk")))
            .build();

    assertThat(TlsMaterial.readKeyAndCertificate(null)).isEmpty();
    assertThat(TlsMaterial.readKeyAndCertificate(new Secret())).isEmpty();
    assertThat(TlsMaterial.readKeyAndCertificate(noKey)).isEmpty();
    assertThat(TlsMaterial.readKeyAndCertificate(garbage)).isEmpty();
    assertThat(TlsMaterial.readCa(garbage)).isEmpty();
  }

  @Test
  void dnsNamesAreTheServiceNamesShortestFirst() {
    assertThat(TlsMaterial.dnsNames(Fixtures.registry())).containsExactlyElementsOf(SERVICE_NAMES);
  }

  @Test
  void dnsNamesAddTheIngressHostAndTheExtraNames() {
    PrivateRegistry registry =
        Fixtures.registry(
            spec -> {
              spec.ingress = new IngressSpec();
              spec.ingress.host = "registry.example.com";
              spec.tls.dnsNames = List.of("registry.internal", "*.registry.example.com");
            });

    assertThat(TlsMaterial.dnsNames(registry))
        .containsExactly(
            "demo",
            "demo.team-a",
            "demo.team-a.svc",
            "demo.team-a.svc.cluster.local",
            "registry.example.com",
            "registry.internal",
            "*.registry.example.com");
  }

  @Test
  void dnsNamesHaveNoDuplicates() {
    PrivateRegistry registry =
        Fixtures.registry(
            spec -> {
              spec.ingress = new IngressSpec();
              spec.ingress.host = "registry.example.com";
              spec.tls.dnsNames = List.of("demo.team-a.svc", "registry.example.com");
            });

    assertThat(TlsMaterial.dnsNames(registry)).doesNotHaveDuplicates().hasSize(5);
  }

  @Test
  void firstServingSecretHoldsANewCertificateFromTheCaForAllNames() throws Exception {
    PrivateRegistry registry =
        Fixtures.registry(spec -> spec.tls.dnsNames = List.of("registry.internal"));

    Secret serving = TlsMaterial.servingCertificate(registry, null, caSecret, CLOCK).secret();

    assertThat(serving.getMetadata().getName()).isEqualTo("demo-tls");
    assertThat(serving.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(serving.getData()).containsOnlyKeys("ca.crt", "tls.crt", "tls.key");
    KeyAndCertificate pair = TlsMaterial.readKeyAndCertificate(serving).orElseThrow();
    assertThat(ca.signed(pair.certificate())).isTrue();
    assertThat(pair.keyMatchesCertificate()).isTrue();
    assertThat(ServingCertificatePolicy.dnsNames(pair.certificate()))
        .containsExactlyInAnyOrderElementsOf(TlsMaterial.dnsNames(registry));
    assertThat(SecretData.decode(serving, "ca.crt"))
        .contains(ca.keyAndCertificate().certificatePem());
  }

  @Test
  void servingCertificateLastsTheConfiguredValidity() {
    Secret serving =
        TlsMaterial.servingCertificate(
                Fixtures.registry(spec -> spec.tls.validityDays = 90), null, caSecret, CLOCK)
            .secret();
    X509Certificate certificate =
        TlsMaterial.readKeyAndCertificate(serving).orElseThrow().certificate();

    assertThat(certificate.getNotAfter().toInstant())
        .isEqualTo(Fixtures.NOW.plus(Duration.ofDays(90)));
  }

  @Test
  void servingSecretDoesNotContainTheCaKey() {
    // Pods mount the serving Secret; with the CA key they could mint certificates for any name.
    Secret serving =
        TlsMaterial.servingCertificate(Fixtures.registry(), null, caSecret, CLOCK).secret();
    String caKey = ca.keyAndCertificate().keyPem();

    assertThat(serving.getData().keySet())
        .allSatisfy(
            key -> assertThat(SecretData.decode(serving, key).orElseThrow()).isNotEqualTo(caKey));
  }

  @Test
  void reRenderingWithTheExistingSecretIsByteIdentical() {
    PrivateRegistry registry = Fixtures.registry();
    Secret first = TlsMaterial.servingCertificate(registry, null, caSecret, CLOCK).secret();

    Secret second = TlsMaterial.servingCertificate(registry, first, caSecret, CLOCK).secret();

    assertThat(second.getData()).isEqualTo(first.getData());
    assertThat(second).isEqualTo(first);
    assertThat(TlsMaterial.hash(second)).isEqualTo(TlsMaterial.hash(first));
  }

  @Test
  void existingCertificateIsKeptUntilTheRenewalWindowOpens() {
    PrivateRegistry registry = Fixtures.registry();
    Secret first = TlsMaterial.servingCertificate(registry, null, caSecret, CLOCK).secret();

    // Valid 365 days, renewed 30 days before expiry: day 334 still keeps it.
    Secret later =
        TlsMaterial.servingCertificate(registry, first, caSecret, Fixtures.daysLater(334)).secret();

    assertThat(later.getData()).isEqualTo(first.getData());
  }

  @Test
  void renewalIssuesANewCertificateFromTheSameCaAndLeavesTheCaAlone() {
    PrivateRegistry registry = Fixtures.registry();
    Secret caBefore = new SecretBuilder(caSecret).build();
    Secret first = TlsMaterial.servingCertificate(registry, null, caSecret, CLOCK).secret();

    Secret renewed =
        TlsMaterial.servingCertificate(registry, first, caSecret, Fixtures.daysLater(336)).secret();

    KeyAndCertificate oldPair = TlsMaterial.readKeyAndCertificate(first).orElseThrow();
    KeyAndCertificate newPair = TlsMaterial.readKeyAndCertificate(renewed).orElseThrow();
    assertThat(newPair.certificate().getSerialNumber())
        .isNotEqualTo(oldPair.certificate().getSerialNumber());
    assertThat(newPair.key().getEncoded()).isNotEqualTo(oldPair.key().getEncoded());
    assertThat(newPair.certificate().getNotAfter()).isAfter(oldPair.certificate().getNotAfter());
    assertThat(ca.signed(newPair.certificate())).isTrue();
    // Clients trust the CA, not the serving certificate: renewal must not disturb them.
    assertThat(renewed.getData().get("ca.crt")).isEqualTo(first.getData().get("ca.crt"));
    assertThat(caSecret).isEqualTo(caBefore);
    assertThat(TlsMaterial.hash(renewed)).isNotEqualTo(TlsMaterial.hash(first));
  }

  @Test
  void addingAnIngressHostReissuesWithTheNewName() {
    Secret first =
        TlsMaterial.servingCertificate(Fixtures.registry(), null, caSecret, CLOCK).secret();
    PrivateRegistry withIngress =
        Fixtures.registry(
            spec -> {
              spec.ingress = new IngressSpec();
              spec.ingress.host = "registry.example.com";
            });

    Secret reissued = TlsMaterial.servingCertificate(withIngress, first, caSecret, CLOCK).secret();

    assertThat(reissued.getData().get("tls.crt")).isNotEqualTo(first.getData().get("tls.crt"));
    assertThat(
            ServingCertificatePolicy.dnsNames(
                TlsMaterial.readKeyAndCertificate(reissued).orElseThrow().certificate()))
        .contains("registry.example.com");
  }

  @Test
  void aReplacedCaReissuesTheServingCertificate() {
    PrivateRegistry registry = Fixtures.registry();
    Secret first = TlsMaterial.servingCertificate(registry, null, caSecret, CLOCK).secret();
    CertificateAuthority newCa = CertificateAuthority.generate("demo.team-a", CLOCK);
    Secret newCaSecret = TlsMaterial.caSecret(registry, newCa);

    Secret reissued = TlsMaterial.servingCertificate(registry, first, newCaSecret, CLOCK).secret();

    assertThat(
            newCa.signed(TlsMaterial.readKeyAndCertificate(reissued).orElseThrow().certificate()))
        .isTrue();
    assertThat(SecretData.decode(reissued, "ca.crt"))
        .contains(newCa.keyAndCertificate().certificatePem());
  }

  @Test
  void aDamagedExistingSecretIsReplacedRatherThanServed() {
    PrivateRegistry registry = Fixtures.registry();
    Secret damaged =
        new SecretBuilder(TlsMaterial.servingCertificate(registry, null, caSecret, CLOCK).secret())
            .addToData("tls.key", SecretData.encode(Map.of("k", "not a key")).get("k"))
            .build();

    Secret repaired = TlsMaterial.servingCertificate(registry, damaged, caSecret, CLOCK).secret();

    assertThat(TlsMaterial.readKeyAndCertificate(repaired).orElseThrow().keyMatchesCertificate())
        .isTrue();
  }

  @Test
  void anUnreadableCaSecretIsAnErrorNotANewCa() {
    // Silently generating a new CA would break every client that trusts the old one.
    Secret unreadable = new SecretBuilder(caSecret).withData(Map.of()).build();

    assertThatThrownBy(
            () ->
                TlsMaterial.servingCertificate(Fixtures.registry(), null, unreadable, CLOCK)
                    .secret())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void hashDependsOnCertificateAndKeyOnly() {
    PrivateRegistry registry = Fixtures.registry();
    Secret serving = TlsMaterial.servingCertificate(registry, null, caSecret, CLOCK).secret();
    Secret otherCaBundle =
        new SecretBuilder(serving)
            .addToData("ca.crt", SecretData.encode(Map.of("k", "other")).get("k"))
            .build();

    assertThat(TlsMaterial.hash(serving)).hasSize(16).matches("[0-9a-f]+");
    assertThat(TlsMaterial.hash(otherCaBundle)).isEqualTo(TlsMaterial.hash(serving));
  }

  @Test
  void caBundleHoldsOnlyThePublicCaCertificate() {
    ConfigMap bundle =
        TlsMaterial.caBundle(Fixtures.registry(), ca.keyAndCertificate().certificatePem());

    assertThat(bundle.getMetadata().getName()).isEqualTo("demo-ca-bundle");
    assertThat(bundle.getData()).containsOnlyKeys("ca.crt");
    assertThat(bundle.getData().get("ca.crt"))
        .startsWith("-----BEGIN CERTIFICATE-----")
        .doesNotContain("PRIVATE KEY");
  }

  @Test
  void opensslVerifiesTheServingSecretAgainstTheCaBundleForEveryName(@TempDir Path dir)
      throws Exception {
    // What a client does with the published bundle: trust ca.crt, connect by one of the names.
    ExternalTool openssl = ExternalTool.openssl();
    PrivateRegistry registry =
        Fixtures.registry(
            spec -> {
              spec.ingress = new IngressSpec();
              spec.ingress.host = "registry.example.com";
            });
    Secret serving = TlsMaterial.servingCertificate(registry, null, caSecret, CLOCK).secret();
    Files.writeString(dir.resolve("ca.pem"), SecretData.decode(serving, "ca.crt").orElseThrow());
    Files.writeString(
        dir.resolve("server.pem"), SecretData.decode(serving, "tls.crt").orElseThrow());

    for (String name : TlsMaterial.dnsNames(registry)) {
      ExternalTool.Result result =
          openssl.run(
              dir,
              "verify",
              "-CAfile",
              "ca.pem",
              "-purpose",
              "sslserver",
              "-attime",
              Long.toString(Fixtures.NOW.getEpochSecond()),
              "-verify_hostname",
              name,
              "server.pem");
      assertThat(result.exitCode()).as(name + ": " + result.output()).isZero();
    }
  }
}
