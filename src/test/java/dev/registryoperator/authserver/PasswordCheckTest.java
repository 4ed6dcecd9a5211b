package dev.registryoperator.authserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.mindrot.jbcrypt.BCrypt;

class PasswordCheckTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2025-03-01T12:00:00Z"));
  private final AuthMetrics metrics = new AuthMetrics();
  private final CredentialCache cache = new CredentialCache(3, Duration.ofMinutes(5), clock);
  private final PasswordCheck check = new PasswordCheck(cache, metrics);

  static String hash(String password) {
    return BCrypt.hashpw(password, BCrypt.gensalt(4));
  }

  private static HtpasswdEntries htpasswd(String... lines) {
    return HtpasswdEntries.parse(String.join("\n", lines) + "\n");
  }

  private double bcrypts() {
    return metrics.bcryptVerifications.count();
  }

  @Test
  void aVerifiedPasswordIsRememberedSoTheNextCheckPaysNoBcrypt() {
    HtpasswdEntries users = htpasswd("alice:" + hash("s3cret"));

    assertThat(check.check("alice", "s3cret", users)).isEqualTo(PasswordCheck.Result.OK);
    assertThat(check.check("alice", "s3cret", users)).isEqualTo(PasswordCheck.Result.OK);
    assertThat(check.check("alice", "s3cret", users)).isEqualTo(PasswordCheck.Result.OK);

    assertThat(bcrypts()).isEqualTo(1);
    assertThat(metrics.cacheHits.count()).isEqualTo(2);
    assertThat(metrics.cacheMisses.count()).isEqualTo(1);
  }

  @Test
  void aWrongPasswordAlwaysPaysAFullBcryptAndIsNeverRemembered() {
    HtpasswdEntries users = htpasswd("alice:" + hash("s3cret"));
    check.check("alice", "s3cret", users);

    for (int i = 0; i < 3; i++) {
      assertThat(check.check("alice", "wrong", users))
          .isEqualTo(PasswordCheck.Result.WRONG_PASSWORD);
    }

    assertThat(bcrypts()).isEqualTo(4);
    assertThat(check.check("alice", "s3cret", users)).isEqualTo(PasswordCheck.Result.OK);
    assertThat(bcrypts()).isEqualTo(4);
  }

  @Test
  void aChangedPasswordMissesAtOnceAndTheOldOneFails() {
    check.check("alice", "old", htpasswd("alice:" + hash("old")));
    HtpasswdEntries changed = htpasswd("alice:" + hash("new"));

    assertThat(check.check("alice", "old", changed)).isEqualTo(PasswordCheck.Result.WRONG_PASSWORD);
    assertThat(check.check("alice", "new", changed)).isEqualTo(PasswordCheck.Result.OK);
    assertThat(bcrypts()).isEqualTo(3);
  }

  @Test
  void aRemovedUserIsUnknownAtOnceAndPaysADummyCompare() {
    HtpasswdEntries users = htpasswd("alice:" + hash("s3cret"), "bob:" + hash("x"));
    check.check("alice", "s3cret", users);
    check.prepare(users);
    double before = bcrypts();

    assertThat(check.check("alice", "s3cret", htpasswd("bob:" + hash("x"))))
        .isEqualTo(PasswordCheck.Result.UNKNOWN_USER);
    assertThat(bcrypts()).isEqualTo(before + 1);
  }

  @Test
  void anEntryExpiresAfterItsMaximumAge() {
    HtpasswdEntries users = htpasswd("alice:" + hash("s3cret"));
    check.check("alice", "s3cret", users);

    clock.advance(Duration.ofMinutes(4));
    check.check("alice", "s3cret", users);
    assertThat(bcrypts()).isEqualTo(1);

    clock.advance(Duration.ofMinutes(1));
    check.check("alice", "s3cret", users);
    assertThat(bcrypts()).isEqualTo(2);
  }

  @Test
  void theCacheIsBoundedAndDropsTheLeastRecentlyUsed() {
    HtpasswdEntries users =
        htpasswd("a:" + hash("pa"), "b:" + hash("pb"), "c:" + hash("pc"), "d:" + hash("pd"));
    check.check("a", "pa", users);
    check.check("b", "pb", users);
    check.check("c", "pc", users);
    check.check("a", "pa", users); // a is now the most recent; b the eldest
    check.check("d", "pd", users);

    assertThat(cache.size()).isEqualTo(3);
    double before = bcrypts();
    check.check("a", "pa", users);
    check.check("c", "pc", users);
    check.check("d", "pd", users);
    assertThat(bcrypts()).isEqualTo(before);
    check.check("b", "pb", users);
    assertThat(bcrypts()).isEqualTo(before + 1);
  }

  @Test
  void prunesUsersThatLeftHtpasswd() {
    HtpasswdEntries users = htpasswd("a:" + hash("pa"), "b:" + hash("pb"));
    check.check("a", "pa", users);
    check.check("b", "pb", users);

    cache.retainUsers(Set.of("b"));

    assertThat(cache.size()).isEqualTo(1);
  }

  @Test
  void theSamePasswordOfTwoUsersGivesDifferentCacheValues() {
    assertThat(cache.mac("alice", "same")).isNotEqualTo(cache.mac("bob", "same"));
    assertThat(cache.mac("alice", "same")).isEqualTo(cache.mac("alice", "same"));
    assertThat(new CredentialCache(1, Duration.ofMinutes(1), clock).mac("alice", "same"))
        .as("the key is random per process")
        .isNotEqualTo(cache.mac("alice", "same"));
  }

  @Test
  void readsEveryBcryptVariantAndRefusesWhatBcryptCannotHold() {
    String a = hash("pw");
    HtpasswdEntries users = htpasswd("y:$2y$" + a.substring(4), "b:$2b$" + a.substring(4));

    assertThat(check.check("y", "pw", users)).isEqualTo(PasswordCheck.Result.OK);
    assertThat(check.check("b", "pw", users)).isEqualTo(PasswordCheck.Result.OK);
    // bcrypt would read only the first 72 bytes: a longer password could be a mere prefix match
    String long72 = "p".repeat(72);
    HtpasswdEntries longUser = htpasswd("l:" + hash(long72));
    assertThat(check.check("l", long72, longUser)).isEqualTo(PasswordCheck.Result.OK);
    assertThat(check.check("l", long72 + "x", longUser)).isEqualTo(PasswordCheck.Result.INVALID);
    assertThat(check.check("bad name", "pw", users)).isEqualTo(PasswordCheck.Result.INVALID);
    assertThat(check.check("", "pw", users)).isEqualTo(PasswordCheck.Result.INVALID);
  }

  @Test
  void concurrentChecksOfTheSameCredentialsShareOneBcrypt() throws Exception {
    // cost 8 so that the first check is still running when the others arrive
    HtpasswdEntries users = htpasswd("alice:" + BCrypt.hashpw("s3cret", BCrypt.gensalt(8)));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<PasswordCheck.Result>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return check.check("alice", "s3cret", users);
                }));
      }
      start.countDown();
      for (Future<PasswordCheck.Result> result : results) {
        assertThat(result.get()).isEqualTo(PasswordCheck.Result.OK);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(bcrypts()).isLessThan(8);
  }
}
