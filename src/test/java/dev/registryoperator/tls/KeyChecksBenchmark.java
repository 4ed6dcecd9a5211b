package dev.registryoperator.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not a test (its name ends in neither Test nor IT): what the key checks of a settled
 * registry's reconcile cost the first time a pair of bytes is seen and every time after, side by
 * side in one run. Every reconcile checks that the CA's and the serving certificate's keys match
 * them and that the CA signed the serving certificate; before {@link CheckedPairs} each check was a
 * sign-and-verify or a verify with P-256. Run with
 *
 * <pre>{@code mvn -B test -Dtest=KeyChecksBenchmark -Dsurefire.failIfNoSpecifiedTests=false}</pre>
 *
 * optionally with {@code -Dbenchmark.pairs=500} (distinct certificates; each is checked once
 * computed, then {@code benchmark.repeats} times remembered).
 */
class KeyChecksBenchmark {

  private static final int PAIRS = Integer.getInteger("benchmark.pairs", 500);
  private static final int REPEATS = Integer.getInteger("benchmark.repeats", 5);

  @Test
  void computedOnceThenRemembered() {
    Clock clock = Clock.systemUTC();
    // Warm the JIT on a set of its own, so that the first column is no cold JVM.
    checkAll(pairs(CertificateAuthority.generate("warm-up CA", clock), 200, clock));
    CertificateAuthority ca = CertificateAuthority.generate("benchmark CA", clock);
    List<KeyAndCertificate> pairs = pairs(ca, PAIRS, clock);

    long computed = timeChecks(ca, pairs);
    long remembered = 0;
    for (int repeat = 0; repeat < REPEATS; repeat++) {
      remembered += timeChecks(ca, pairs);
    }
    double computedMs = computed / 1e6 / PAIRS;
    double rememberedMs = remembered / 1e6 / PAIRS / REPEATS;
    System.out.printf(
        "Key checks of one registry (key matches certificate, CA signed it), %d certificates:%n"
            + "| first time (sign and verify, verify) | remembered | ratio |%n"
            + "| %.3f ms | %.4f ms | %.0fx |%n",
        PAIRS, computedMs, rememberedMs, computedMs / rememberedMs);
    assertThat(rememberedMs)
        .as("a remembered check costs less than computing it")
        .isLessThan(computedMs);
  }

  private static long timeChecks(CertificateAuthority ca, List<KeyAndCertificate> pairs) {
    long start = System.nanoTime();
    for (KeyAndCertificate pair : pairs) {
      assertThat(pair.keyMatchesCertificate() && ca.signed(pair.certificate())).isTrue();
    }
    return System.nanoTime() - start;
  }

  private static void checkAll(List<KeyAndCertificate> pairs) {
    pairs.forEach(KeyAndCertificate::keyMatchesCertificate);
  }

  private static List<KeyAndCertificate> pairs(CertificateAuthority ca, int count, Clock clock) {
    List<KeyAndCertificate> pairs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      pairs.add(ca.issueServerCertificate(List.of("r" + i), Duration.ofDays(30), clock));
    }
    return pairs;
  }
}
