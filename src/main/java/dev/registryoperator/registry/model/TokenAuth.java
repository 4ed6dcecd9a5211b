package dev.registryoperator.registry.model;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.KeyAndCertificate;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Token mode: who the tokens are for and from, and the key they are signed with. The registry
 * trusts the registry's CA for tokens and the token carries its signing certificate (x5c), so a
 * renewed signing key is trusted at once: rotation needs no registry restart.
 */
public final class TokenAuth {

  /** Short: a leaked signing key is useful for a month at most. */
  static final Duration SIGNING_VALIDITY = Duration.ofDays(30);

  /** Renewed a third of the way before expiry, at a reconcile (at least every 10 minutes). */
  static final Duration RENEW_BEFORE = Duration.ofDays(10);

  private TokenAuth() {}

  /** The audience of the tokens: the registry's in-cluster Service name. */
  public static String service(PrivateRegistry registry) {
    return RegistryNames.of(registry).inClusterHost(registry.getMetadata().getNamespace());
  }

  public static String issuer(PrivateRegistry registry) {
    return "registry-operator/"
        + registry.getMetadata().getNamespace()
        + "/"
        + registry.getMetadata().getName();
  }

  /**
   * The signing Secret the registry should have, and why it had to be (re)issued.
   *
   * @param reissueReason empty while the existing key is kept byte for byte
   */
  public record SigningSecret(Secret secret, Optional<String> reissueReason) {}

  /**
   * The existing signing key while it comes from the current CA and is not due for renewal;
   * otherwise a new one. tls.crt holds the signing certificate then the CA (the token carries the
   * first as x5c; the registry completes the chain from the CA it trusts), ca.crt the CA alone
   * (what the registry trusts).
   */
  public static SigningSecret signingSecret(
      PrivateRegistry registry, Secret existing, Secret caSecret, Clock clock) {
    CertificateAuthority ca =
        TlsMaterial.readCa(caSecret)
            .orElseThrow(() -> new IllegalStateException("the CA Secret is unreadable"));
    String caPem = SecretData.decode(caSecret, Keys.TLS_CERT).orElseThrow();
    Optional<String> reason = reissueReason(existing, ca, clock.instant());
    Secret secret =
        TlsMaterial.keptOrReissued(
            registry,
            RegistryNames.of(registry).tokenSigningSecret(),
            existing,
            caPem,
            reason,
            () ->
                ca.issueSigningCertificate(
                    "token signing " + issuer(registry), SIGNING_VALIDITY, clock),
            true);
    return new SigningSecret(secret, reason);
  }

  static Optional<String> reissueReason(Secret existing, CertificateAuthority ca, Instant now) {
    Optional<KeyAndCertificate> current = TlsMaterial.readKeyAndCertificate(existing);
    if (current.isEmpty()) {
      return Optional.of(existing == null ? "no signing key yet" : "the signing key is unreadable");
    }
    if (!ca.signed(current.get().certificate()) || !current.get().keyMatchesCertificate()) {
      return Optional.of("the signing certificate is not from the registry's current CA");
    }
    Instant expiry = current.get().certificate().getNotAfter().toInstant();
    if (!now.isBefore(expiry.minus(RENEW_BEFORE))) {
      return Optional.of("the signing certificate expires on " + expiry);
    }
    return Optional.empty();
  }
}
