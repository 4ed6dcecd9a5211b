package dev.registryoperator.authserver;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Slows down password guessing per (username, client address). The first few consecutive failures
 * are free; each further one blocks the pair for twice as long as the last, up to a cap. While
 * blocked, attempts are refused without checking the password, so they cost no bcrypt either. A
 * success clears the pair; other users and other clients are never affected.
 *
 * <p>Memory is bounded: at most {@code maxEntries} pairs, least recently failed evicted first, and
 * a pair is forgotten once it has not failed for {@code forgetAfter}.
 */
public final class LoginThrottle {

  public record Settings(
      int freeFailures,
      Duration firstBlock,
      Duration maxBlock,
      Duration forgetAfter,
      int maxEntries) {
    public Settings {
      if (freeFailures < 0 || firstBlock.isNegative() || maxEntries < 1) {
        throw new IllegalArgumentException("invalid throttle settings");
      }
      // A pair must not be forgotten while it is still blocked.
      if (forgetAfter.compareTo(maxBlock) < 0) {
        throw new IllegalArgumentException(
            "the throttle must remember failures at least as long as it blocks");
      }
    }

    public static final Settings DEFAULT =
        new Settings(
            5, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(15), 10_000);
  }

  private record Key(String username, String client) {}

  private static final class Failures {
    int count;
    Instant lastFailure;
    Instant blockedUntil;
  }

  private final Settings settings;
  private final Clock clock;
  private final Map<Key, Failures> failures;

  public LoginThrottle(Settings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.failures =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Key, Failures> eldest) {
            return size() > settings.maxEntries();
          }
        };
  }

  /** How long this pair must still wait, or empty when it may try now. */
  public synchronized Optional<Duration> blocked(String username, String client) {
    Failures entry = current(new Key(username, client));
    if (entry == null || entry.blockedUntil == null) {
      return Optional.empty();
    }
    Duration left = Duration.between(clock.instant(), entry.blockedUntil);
    return left.isNegative() || left.isZero() ? Optional.empty() : Optional.of(left);
  }

  public synchronized void failed(String username, String client) {
    Key key = new Key(username, client);
    Failures entry = current(key);
    if (entry == null) {
      entry = new Failures();
      failures.put(key, entry);
    }
    Instant now = clock.instant();
    entry.count++;
    entry.lastFailure = now;
    int beyondFree = entry.count - settings.freeFailures();
    if (beyondFree >= 0) {
      entry.blockedUntil = now.plus(blockFor(beyondFree));
    }
  }

  public synchronized void succeeded(String username, String client) {
    failures.remove(new Key(username, client));
  }

  synchronized int size() {
    return failures.size();
  }

  private Duration blockFor(int beyondFree) {
    Duration block = settings.firstBlock();
    for (int i = 0; i < beyondFree && block.compareTo(settings.maxBlock()) < 0; i++) {
      block = block.multipliedBy(2);
    }
    return block.compareTo(settings.maxBlock()) > 0 ? settings.maxBlock() : block;
  }

  /** The pair's record, unless it is old enough to be forgotten (then it is dropped). */
  private Failures current(Key key) {
    Failures entry = failures.get(key);
    if (entry != null
        && !clock.instant().isBefore(entry.lastFailure.plus(settings.forgetAfter()))) {
      failures.remove(key);
      return null;
    }
    return entry;
  }
}
