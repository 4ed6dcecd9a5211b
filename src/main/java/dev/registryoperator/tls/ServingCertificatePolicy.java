package dev.registryoperator.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides whether an existing serving certificate can stay. Keeping it whenever possible is what
 * makes rendering deterministic: a new key and serial appear only when one of these reasons holds.
 */
public final class ServingCertificatePolicy {

  private static final int SAN_DNS_NAME = 2;

  private ServingCertificatePolicy() {}

  /**
   * Why the certificate must be (re)issued, or empty when the existing one is still right.
   *
   * @param existing the certificate in use, or null when there is none (or it is unreadable)
   */
  public static Optional<String> reissueReason(
      KeyAndCertificate existing,
      CertificateAuthority ca,
      Collection<String> dnsNames,
      Duration renewBefore,
      Instant now) {
    if (existing == null) {
      return Optional.of("no certificate yet");
    }
    X509Certificate certificate = existing.certificate();
    if (!ca.signed(certificate)) {
      return Optional.of("not signed by the current CA");
    }
    if (!existing.keyMatchesCertificate()) {
      return Optional.of("key does not match the certificate");
    }
    if (!dnsNames(certificate).equals(new TreeSet<>(dnsNames))) {
      return Optional.of("DNS names changed");
    }
    if (!now.isBefore(certificate.getNotAfter().toInstant().minus(renewBefore))) {
      return Optional.of("renewal due before expiry");
    }
    return Optional.empty();
  }

  public static Set<String> dnsNames(X509Certificate certificate) {
    Set<String> names = new TreeSet<>();
    try {
      Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
      if (alternatives != null) {
        for (List<?> entry : alternatives) {
          if (Objects.equals(entry.get(0), SAN_DNS_NAME)) {
            names.add((String) entry.get(1));
          }
        }
      }
    } catch (CertificateParsingException e) {
      return Set.of();
    }
    return names;
  }
}
