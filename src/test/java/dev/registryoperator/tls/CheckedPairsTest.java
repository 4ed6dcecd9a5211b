package dev.registryoperator.tls;

import static dev.registryoperator.testing.Fixtures.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CheckedPairsTest {

  @Test
  void aCheckRunsOncePerDistinctPairOfBytes() {
    AtomicInteger runs = new AtomicInteger();
    byte[] first = {1, 2, 3};
    byte[] second = {4, 5};

    assertThat(CheckedPairs.check("test-once", first, second, () -> runs.incrementAndGet() > 0))
        .isTrue();
    assertThat(CheckedPairs.check("test-once", first.clone(), second.clone(), () -> false))
        .as("the same bytes again: the remembered outcome, the check not run")
        .isTrue();
    assertThat(runs).hasValue(1);

    assertThat(CheckedPairs.check("test-once", first, new byte[] {4, 6}, () -> false))
        .as("another second half")
        .isFalse();
    assertThat(CheckedPairs.check("test-other-kind", first, second, () -> false))
        .as("another kind of check")
        .isFalse();
  }

  @Test
  void theBoundaryBetweenTheTwoHalvesCounts() {
    assertThat(CheckedPairs.check("test-boundary", new byte[] {1, 2}, new byte[] {3}, () -> true))
        .isTrue();
    assertThat(CheckedPairs.check("test-boundary", new byte[] {1}, new byte[] {2, 3}, () -> false))
        .as("(12, 3) and (1, 23) are different pairs")
        .isFalse();
  }

  @Test
  void rememberedMatchesNeverVouchForAnotherPair() {
    CertificateAuthority ca = CertificateAuthority.generate("checked CA", CLOCK);
    CertificateAuthority other = CertificateAuthority.generate("checked CA", CLOCK);
    KeyAndCertificate served =
        ca.issueServerCertificate(List.of("demo"), Duration.ofDays(1), CLOCK);
    KeyAndCertificate another =
        ca.issueServerCertificate(List.of("demo"), Duration.ofDays(1), CLOCK);

    for (int round = 1; round <= 2; round++) {
      assertThat(served.keyMatchesCertificate()).as("round %d", round).isTrue();
      assertThat(new KeyAndCertificate(another.certificate(), served.key()).keyMatchesCertificate())
          .as("round %d: a key with another certificate", round)
          .isFalse();
      assertThat(ca.signed(served.certificate())).as("round %d", round).isTrue();
      assertThat(other.signed(served.certificate()))
          .as("round %d: a CA of the same name with another key", round)
          .isFalse();
    }
  }
}
