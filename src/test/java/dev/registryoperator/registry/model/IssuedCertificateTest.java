package dev.registryoperator.registry.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.IngressSpec;
import dev.registryoperator.api.v1alpha1.IssuerRef;
import dev.registryoperator.api.v1alpha1.IssuerRef.IssuerKind;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.CertificateConditionBuilder;
import io.fabric8.kubernetes.api.model.Duration;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IssuedCertificateTest {

  private static PrivateRegistry registryWithIssuer(String name, IssuerKind kind) {
    return Fixtures.registry(
        spec -> {
          spec.tls.issuerRef = new IssuerRef();
          spec.tls.issuerRef.name = name;
          spec.tls.issuerRef.kind = kind;
          spec.ingress = new IngressSpec();
          spec.ingress.host = "registry.example.com";
          spec.tls.dnsNames = List.of("mirror.example.com");
        });
  }

  @Test
  void asksTheIssuerForTheNamesOfTheOperatorsOwnCertificateIntoOurSecret() {
    PrivateRegistry registry = registryWithIssuer("team-ca", IssuerKind.ClusterIssuer);

    Certificate certificate = IssuedCertificate.render(registry);

    assertThat(certificate.getMetadata().getName()).isEqualTo("demo");
    assertThat(certificate.getMetadata().getNamespace()).isEqualTo("team-a");
    assertThat(certificate.getMetadata().getOwnerReferences())
        .as("the Certificate lives and dies with its registry")
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getName()).isEqualTo("demo");
              assertThat(owner.getController()).isTrue();
            });
    assertThat(certificate.getMetadata().getLabels())
        .containsEntry(Labels.MANAGED_BY, Labels.OPERATOR_NAME)
        .containsEntry(Labels.REGISTRY, "demo");
    assertThat(certificate.getSpec().getSecretName()).isEqualTo("demo-cert-manager-tls");
    assertThat(certificate.getSpec().getDnsNames())
        .as("the same names as the operator's own serving certificate, Ingress host included")
        .containsExactlyElementsOf(TlsMaterial.dnsNames(registry))
        .contains("demo.team-a.svc", "registry.example.com", "mirror.example.com");
    assertThat(certificate.getSpec().getIssuerRef().getName()).isEqualTo("team-ca");
    assertThat(certificate.getSpec().getIssuerRef().getKind()).isEqualTo("ClusterIssuer");
    assertThat(certificate.getSpec().getIssuerRef().getGroup()).isEqualTo("cert-manager.io");
    assertThat(certificate.getSpec().getPrivateKey().getRotationPolicy()).isEqualTo("Always");
  }

  @Test
  void validityAndRenewalBecomeTheCertificatesDurationAndRenewBefore() throws Exception {
    PrivateRegistry registry = registryWithIssuer("team-ca", IssuerKind.Issuer);
    registry.getSpec().tls.validityDays = 90;
    registry.getSpec().tls.renewBeforeDays = 30;

    @SuppressWarnings("unchecked")
    Map<String, Object> spec =
        (Map<String, Object>)
            Serialization.unmarshal(
                    Serialization.asJson(IssuedCertificate.render(registry)), Map.class)
                .get("spec");

    // fabric8 writes every Duration in nanoseconds: a Go duration, which is what cert-manager
    // parses (time.ParseDuration), if not the shortest one.
    assertThat(spec)
        .containsEntry("duration", java.time.Duration.ofDays(90).toNanos() + "ns")
        .containsEntry("renewBefore", java.time.Duration.ofDays(30).toNanos() + "ns");
    assertThat(Duration.parse((String) spec.get("duration")).getDuration())
        .isEqualTo(java.time.Duration.ofDays(90));
  }

  @Test
  void theSameRegistryRendersTheSameBytes() {
    String first =
        Serialization.asYaml(
            IssuedCertificate.render(registryWithIssuer("team-ca", IssuerKind.Issuer)));
    String second =
        Serialization.asYaml(
            IssuedCertificate.render(registryWithIssuer("team-ca", IssuerKind.Issuer)));

    assertThat(second).isEqualTo(first);
    assertThat(first)
        .as("the rendering is what the API server is sent: kind and group of cert-manager v1")
        .contains("apiVersion: \"cert-manager.io/v1\"", "kind: \"Certificate\"");
  }

  @Test
  void aCertificateReadBackFromJsonKeepsItsReadyCondition() {
    Certificate certificate =
        IssuedCertificate.render(registryWithIssuer("team-ca", IssuerKind.Issuer));
    certificate.setStatus(new io.fabric8.certmanager.api.model.v1.CertificateStatus());
    certificate
        .getStatus()
        .setConditions(
            List.of(
                new CertificateConditionBuilder().withType("Issuing").withStatus("True").build(),
                new CertificateConditionBuilder()
                    .withType("Ready")
                    .withStatus("False")
                    .withReason("DoesNotExist")
                    .withMessage("Issuing certificate as Secret does not exist")
                    .build()));

    Certificate readBack =
        Serialization.unmarshal(Serialization.asJson(certificate), Certificate.class);

    assertThat(IssuedCertificate.readyCondition(readBack))
        .hasValueSatisfying(
            ready -> {
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getMessage())
                  .isEqualTo("Issuing certificate as Secret does not exist");
            });
    assertThat(IssuedCertificate.readyCondition(null)).isEmpty();
  }
}
