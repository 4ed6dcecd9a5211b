package dev.registryoperator.registry.model;

import dev.registryoperator.api.v1alpha1.IssuerRef;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.TlsSpec;
import dev.registryoperator.kube.OwnedMetadata;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.CertificateBuilder;
import io.fabric8.certmanager.api.model.v1.CertificateCondition;
import io.fabric8.kubernetes.api.model.Duration;
import java.util.Optional;

/**
 * The cert-manager Certificate of a registry with spec.tls.issuerRef: the same names the operator's
 * own serving certificate carries, signed by the user's issuer, written to a Secret of ours by
 * name. The operator only reads that Secret; cert-manager owns its content.
 */
public final class IssuedCertificate {

  /** cert-manager's condition that says the Secret holds a certificate matching the spec. */
  public static final String READY_CONDITION = "Ready";

  /** cert-manager's own default since 1.18; set so that older releases rotate keys too. */
  static final String ROTATE_KEY_ON_EVERY_ISSUANCE = "Always";

  private IssuedCertificate() {}

  public static Certificate render(PrivateRegistry registry) {
    RegistryNames names = RegistryNames.of(registry);
    TlsSpec tls = registry.getSpec().tls;
    IssuerRef issuer = tls.issuerRef;
    return new CertificateBuilder()
        .withMetadata(
            OwnedMetadata.owned(registry, names.registry(), names.certificate(), Components.TLS))
        .withNewSpec()
        .withSecretName(names.issuedTlsSecret())
        .withDnsNames(TlsMaterial.dnsNames(registry))
        .withDuration(days(tls.validityDays))
        .withRenewBefore(days(tls.renewBeforeDays))
        .withNewIssuerRef()
        .withName(issuer.name)
        .withKind(issuer.kind.name())
        .withGroup(issuer.group)
        .endIssuerRef()
        .withNewPrivateKey()
        .withRotationPolicy(ROTATE_KEY_ON_EVERY_ISSUANCE)
        .endPrivateKey()
        .endSpec()
        .build();
  }

  /** cert-manager's Ready condition of the Certificate, once it has written one. */
  public static Optional<CertificateCondition> readyCondition(Certificate certificate) {
    if (certificate == null
        || certificate.getStatus() == null
        || certificate.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return certificate.getStatus().getConditions().stream()
        .filter(condition -> READY_CONDITION.equals(condition.getType()))
        .findFirst();
  }

  /** cert-manager reads Go durations, which have no days. */
  private static Duration days(int days) {
    return new Duration(java.time.Duration.ofDays(days));
  }
}
