package dev.registryoperator.authserver;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;
import org.mindrot.jbcrypt.BCrypt;

/**
 * Checks a username and password against htpasswd, paying bcrypt only when the verified- credential
 * cache cannot answer. Unknown users pay a dummy compare at the usual cost, so timing does not tell
 * which usernames exist. Concurrent checks of identical credentials share one bcrypt (keyed by the
 * password's HMAC, never the password); different passwords never wait for each other.
 */
public final class PasswordCheck {

  public enum Result {
    OK,
    WRONG_PASSWORD,
    UNKNOWN_USER,
    /** Not something htpasswd could hold: too long for bcrypt, or a malformed username. */
    INVALID
  }

  /** bcrypt reads 72 bytes; jBCrypt silently ignores the rest, which would accept prefixes. */
  static final int MAX_PASSWORD_BYTES = 72;

  static final int MAX_USERNAME_BYTES = 255;

  private record DummyHash(int cost, String hash) {}

  private record InFlight(String username, String passwordMac, String hash) {}

  private final CredentialCache cache;
  private final AuthMetrics metrics;
  private final ConcurrentMap<InFlight, CompletableFuture<Boolean>> inFlight =
      new ConcurrentHashMap<>();
  private final AtomicReference<DummyHash> dummy = new AtomicReference<>();

  public PasswordCheck(CredentialCache cache, AuthMetrics metrics) {
    this.cache = cache;
    this.metrics = metrics;
  }

  public Result check(String username, String password, HtpasswdEntries htpasswd) {
    if (!validUsername(username)
        || password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
      return Result.INVALID;
    }
    Optional<String> hash = htpasswd.hash(username);
    if (hash.isEmpty()) {
      metrics.bcryptVerifications.increment();
      BCrypt.checkpw(password, dummyHash(htpasswd.typicalCost()));
      return Result.UNKNOWN_USER;
    }
    byte[] mac = cache.mac(username, password);
    if (cache.contains(username, mac, hash.get())) {
      metrics.cacheHits.increment();
      return Result.OK;
    }
    metrics.cacheMisses.increment();
    InFlight key = new InFlight(username, Base64.getEncoder().encodeToString(mac), hash.get());
    CompletableFuture<Boolean> mine = new CompletableFuture<>();
    CompletableFuture<Boolean> running = inFlight.putIfAbsent(key, mine);
    if (running != null) {
      return running.join() ? Result.OK : Result.WRONG_PASSWORD;
    }
    try {
      metrics.bcryptVerifications.increment();
      boolean matches = verify(password, hash.get());
      if (matches) {
        cache.remember(username, mac, hash.get());
      }
      mine.complete(matches);
      return matches ? Result.OK : Result.WRONG_PASSWORD;
    } catch (RuntimeException e) {
      mine.complete(false);
      throw e;
    } finally {
      inFlight.remove(key, mine);
    }
  }

  private static boolean verify(String password, String hash) {
    try {
      return BCrypt.checkpw(password, hash);
    } catch (IllegalArgumentException e) {
      // A hash jBCrypt cannot read (the parser already filters these): a failed check, no message.
      return false;
    }
  }

  static boolean validUsername(String username) {
    if (username.isEmpty()
        || username.getBytes(StandardCharsets.UTF_8).length > MAX_USERNAME_BYTES
        || username.startsWith("#")) {
      return false;
    }
    return username
        .codePoints()
        .noneMatch(c -> c == ':' || Character.isWhitespace(c) || Character.isISOControl(c));
  }

  /** Makes the dummy hash ahead of the first unknown user (who would otherwise pay twice). */
  public void prepare(HtpasswdEntries htpasswd) {
    dummyHash(htpasswd.typicalCost());
  }

  /** A hash of a random password at the cost real entries use; made once per cost. */
  private String dummyHash(int cost) {
    int bounded = Math.max(4, Math.min(cost, 30));
    DummyHash current = dummy.get();
    if (current == null || current.cost() != bounded) {
      byte[] random = new byte[16];
      new SecureRandom().nextBytes(random);
      current =
          new DummyHash(
              bounded,
              BCrypt.hashpw(Base64.getEncoder().encodeToString(random), BCrypt.gensalt(bounded)));
      dummy.set(current);
    }
    return current.hash();
  }
}
