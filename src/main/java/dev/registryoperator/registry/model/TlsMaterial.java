package dev.registryoperator.registry.model;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.Hashes;
import dev.registryoperator.kube.OwnedMetadata;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.KeyAndCertificate;
import dev.registryoperator.tls.ServingCertificatePolicy;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The registry's TLS objects: the CA Secret (created once, never regenerated), the serving
 * certificate Secret (reused until it must be reissued) and the public CA bundle for clients.
 */
public final class TlsMaterial {

  private TlsMaterial() {}

  /**
   * A new CA Secret. Like the claim it outlives the registry unless deleteClaim is set: a registry
   * created again under the same name keeps the CA its clients already trust.
   */
  public static Secret caSecret(PrivateRegistry registry, CertificateAuthority ca) {
    KeyAndCertificate pair = ca.keyAndCertificate();
    RegistryNames names = RegistryNames.of(registry);
    return new SecretBuilder()
        .withMetadata(
            Retention.metadata(registry, names.registry(), names.caSecret(), Components.TLS))
        .withType(Keys.TLS_SECRET_TYPE)
        .withData(
            SecretData.encode(
                Map.of(Keys.TLS_CERT, pair.certificatePem(), Keys.TLS_KEY, pair.keyPem())))
        .build();
  }

  /**
   * The existing CA Secret owned as the registry's deleteClaim says, its data byte for byte: the CA
   * is never regenerated, only its owner reference follows deleteClaim as the claim's does.
   */
  public static Secret caSecretOwnedAsSpecified(PrivateRegistry registry, Secret existing) {
    return new SecretBuilder(existing)
        .editMetadata()
        .withOwnerReferences(Retention.ownerReferences(registry, existing))
        .endMetadata()
        .build();
  }

  public static Optional<CertificateAuthority> readCa(Secret caSecret) {
    return readKeyAndCertificate(caSecret).map(CertificateAuthority::new);
  }

  /** The certificate and key of a kubernetes.io/tls Secret, empty when missing or unreadable. */
  public static Optional<KeyAndCertificate> readKeyAndCertificate(Secret secret) {
    Optional<String> certificate = SecretData.decode(secret, Keys.TLS_CERT);
    Optional<String> key = SecretData.decode(secret, Keys.TLS_KEY);
    if (certificate.isEmpty() || key.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(KeyAndCertificate.fromPem(certificate.get(), key.get()));
    } catch (IllegalArgumentException unreadable) {
      return Optional.empty();
    }
  }

  /**
   * The serving certificate Secret the registry should have, and why it had to be (re)issued.
   *
   * @param reissueReason empty while the existing certificate is kept byte for byte
   */
  public record ServingCertificate(Secret secret, Optional<String> reissueReason) {}

  /**
   * The serving certificate the registry should have: the existing one, byte for byte, while it is
   * valid for the current CA, names and renewal window; otherwise a newly issued one. The only
   * place the reissue decision is made.
   */
  public static ServingCertificate servingCertificate(
      PrivateRegistry registry, Secret existing, Secret caSecret, Clock clock) {
    CertificateAuthority ca =
        readCa(caSecret)
            .orElseThrow(() -> new IllegalStateException("the CA Secret is unreadable"));
    String caPem = SecretData.decode(caSecret, Keys.TLS_CERT).orElseThrow();
    Optional<String> reason = reissueReason(registry, existing, ca, clock);
    Secret secret =
        keptOrReissued(
            registry,
            RegistryNames.of(registry).tlsSecret(),
            existing,
            caPem,
            reason,
            () ->
                ca.issueServerCertificate(
                    dnsNames(registry),
                    Duration.ofDays(registry.getSpec().tls.validityDays),
                    clock),
            false);
    return new ServingCertificate(secret, reason);
  }

  /**
   * The Secret of a certificate from the registry's CA, with the CA in ca.crt: the existing tls.crt
   * and tls.key byte for byte while there is no reason to reissue, else a newly issued pair.
   *
   * @param chainWithCa whether a new tls.crt carries the CA after the certificate
   */
  static Secret keptOrReissued(
      PrivateRegistry registry,
      String name,
      Secret existing,
      String caPem,
      Optional<String> reissueReason,
      Supplier<KeyAndCertificate> reissue,
      boolean chainWithCa) {
    Map<String, String> data = new TreeMap<>();
    data.put(Keys.CA_CERT, caPem);
    if (reissueReason.isEmpty()) {
      data.put(Keys.TLS_CERT, SecretData.decode(existing, Keys.TLS_CERT).orElseThrow());
      data.put(Keys.TLS_KEY, SecretData.decode(existing, Keys.TLS_KEY).orElseThrow());
    } else {
      KeyAndCertificate issued = reissue.get();
      data.put(Keys.TLS_CERT, issued.certificatePem() + (chainWithCa ? caPem : ""));
      data.put(Keys.TLS_KEY, issued.keyPem());
    }
    return tlsSecret(registry, name, data);
  }

  /** Why the existing serving certificate must be replaced, or empty when it can stay. */
  static Optional<String> reissueReason(
      PrivateRegistry registry, Secret existing, CertificateAuthority ca, Clock clock) {
    return ServingCertificatePolicy.reissueReason(
        readKeyAndCertificate(existing).orElse(null),
        ca,
        dnsNames(registry),
        Duration.ofDays(registry.getSpec().tls.renewBeforeDays),
        clock.instant());
  }

  /**
   * The Service's names first (the first is the certificate's CN), then Ingress host and extras.
   */
  public static List<String> dnsNames(PrivateRegistry registry) {
    RegistryNames names = RegistryNames.of(registry);
    Set<String> dnsNames =
        new LinkedHashSet<>(
            Arrays.asList(names.serviceDnsNames(registry.getMetadata().getNamespace())));
    if (registry.getSpec().ingress != null) {
      dnsNames.add(registry.getSpec().ingress.host);
    }
    if (registry.getSpec().tls.dnsNames != null) {
      dnsNames.addAll(registry.getSpec().tls.dnsNames);
    }
    return new ArrayList<>(dnsNames);
  }

  /**
   * What the pod template carries so that pods roll exactly when the served certificate changes.
   */
  public static String hash(Secret servingSecret) {
    return Hashes.shortSha256(
        SecretData.decode(servingSecret, Keys.TLS_CERT).orElse(""),
        SecretData.decode(servingSecret, Keys.TLS_KEY).orElse(""));
  }

  public static ConfigMap caBundle(PrivateRegistry registry, String caPem) {
    RegistryNames names = RegistryNames.of(registry);
    return new ConfigMapBuilder()
        .withMetadata(
            OwnedMetadata.owned(
                registry, names.registry(), names.caBundleConfigMap(), Components.TLS))
        .withData(Map.of(Keys.CA_CERT, caPem))
        .build();
  }

  private static Secret tlsSecret(PrivateRegistry registry, String name, Map<String, String> data) {
    return new SecretBuilder()
        .withMetadata(
            OwnedMetadata.owned(
                registry, RegistryNames.of(registry).registry(), name, Components.TLS))
        .withType(Keys.TLS_SECRET_TYPE)
        .withData(SecretData.encode(data))
        .build();
  }
}
