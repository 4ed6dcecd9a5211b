package dev.registryoperator.tls;

import static dev.registryoperator.testing.Fixtures.CLOCK;
import static dev.registryoperator.testing.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ServingCertificatePolicyTest {

  private static final List<String> NAMES = List.of("demo", "demo.team-a", "demo.team-a.svc");
  private static final Duration VALIDITY = Duration.ofDays(365);
  private static final Duration RENEW_BEFORE = Duration.ofDays(30);

  /** The first instant at which renewal is due: 30 days before notAfter. */
  private static final Instant RENEWAL_DUE = NOW.plus(VALIDITY).minus(RENEW_BEFORE);

  private static CertificateAuthority ca;
  private static KeyAndCertificate current;

  @BeforeAll
  static void issue() {
    ca = CertificateAuthority.generate("demo CA", CLOCK);
    current = ca.issueServerCertificate(NAMES, VALIDITY, CLOCK);
  }

  @Test
  void aFreshCertificateForTheSameNamesStays() {
    assertThat(reason(current, ca, NAMES, NOW)).isEmpty();
  }

  @Test
  void theOrderOfTheNamesDoesNotMatter() {
    // SANs have no meaningful order; reordering the spec must not roll the pod.
    assertThat(reason(current, ca, List.of("demo.team-a.svc", "demo", "demo.team-a"), NOW))
        .isEmpty();
  }

  @Test
  void withoutACertificateOneMustBeIssued() {
    assertThat(reason(null, ca, NAMES, NOW)).contains("no certificate yet");
  }

  @Test
  void aCertificateOfAnotherCaIsReplaced() {
    CertificateAuthority replacedCa = CertificateAuthority.generate("demo CA", CLOCK);

    assertThat(reason(current, replacedCa, NAMES, NOW)).contains("not signed by the current CA");
  }

  @Test
  void aKeyThatDoesNotBelongToTheCertificateIsReplaced() {
    KeyAndCertificate other = ca.issueServerCertificate(NAMES, VALIDITY, CLOCK);
    KeyAndCertificate mixed = new KeyAndCertificate(current.certificate(), other.key());

    assertThat(reason(mixed, ca, NAMES, NOW)).contains("key does not match the certificate");
  }

  @Test
  void anAddedNameIsAReason() {
    List<String> withIngressHost =
        List.of("demo", "demo.team-a", "demo.team-a.svc", "registry.example.com");

    assertThat(reason(current, ca, withIngressHost, NOW)).contains("DNS names changed");
  }

  @Test
  void aRemovedNameIsAReason() {
    assertThat(reason(current, ca, List.of("demo", "demo.team-a"), NOW))
        .contains("DNS names changed");
  }

  @Test
  void stillValidJustBeforeTheRenewalWindow() {
    assertThat(reason(current, ca, NAMES, RENEWAL_DUE.minusSeconds(1))).isEmpty();
  }

  @Test
  void renewalIsDueWhenTheRenewalWindowOpens() {
    assertThat(reason(current, ca, NAMES, RENEWAL_DUE)).contains("renewal due before expiry");
  }

  @Test
  void anExpiredCertificateIsRenewed() {
    assertThat(reason(current, ca, NAMES, NOW.plus(VALIDITY).plus(Duration.ofDays(1))))
        .contains("renewal due before expiry");
  }

  @Test
  void aLongerRenewalWindowMakesRenewalDueEarlier() {
    Instant day300 = NOW.plus(Duration.ofDays(300));

    assertThat(ServingCertificatePolicy.reissueReason(current, ca, NAMES, RENEW_BEFORE, day300))
        .isEmpty();
    assertThat(
            ServingCertificatePolicy.reissueReason(current, ca, NAMES, Duration.ofDays(90), day300))
        .contains("renewal due before expiry");
  }

  @Test
  void dnsNamesReadsTheSubjectAlternativeNames() {
    assertThat(ServingCertificatePolicy.dnsNames(current.certificate()))
        .containsExactlyInAnyOrderElementsOf(NAMES);
    // The CA has no SAN extension at all.
    assertThat(ServingCertificatePolicy.dnsNames(ca.certificate())).isEmpty();
  }

  private static Optional<String> reason(
      KeyAndCertificate existing, CertificateAuthority authority, List<String> names, Instant now) {
    return ServingCertificatePolicy.reissueReason(existing, authority, names, RENEW_BEFORE, now);
  }
}
