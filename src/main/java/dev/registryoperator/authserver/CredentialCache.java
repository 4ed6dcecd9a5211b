package dev.registryoperator.authserver;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Remembers successful password verifications, so that a user pays one bcrypt per cache lifetime
 * instead of one per request (Quay's design). Per user it keeps an HMAC-SHA256 of the password
 * under a key that exists only in this process, and the htpasswd hash the password matched.
 *
 * <p>A lookup hits only when the HMAC matches and the user's current hash is still the one that was
 * verified: a changed password or a removed user misses at once, with no reload hook needed.
 * Failures are never remembered, so a wrong password always pays a full bcrypt. Entries expire
 * after a fixed age and the least recently used go first when the cache is full.
 */
public final class CredentialCache {

  private record Entry(byte[] passwordMac, String hash, Instant verifiedAt) {}

  private final int maxEntries;
  private final Duration maxAge;
  private final Clock clock;
  private final SecretKeySpec key;
  private final Map<String, Entry> entries;

  public CredentialCache(int maxEntries, Duration maxAge, Clock clock) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("the credential cache needs room for one entry");
    }
    this.maxEntries = maxEntries;
    this.maxAge = maxAge;
    this.clock = clock;
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    this.key = new SecretKeySpec(random, "HmacSHA256");
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            return size() > CredentialCache.this.maxEntries;
          }
        };
  }

  /**
   * The password's HMAC under this process's key: what the cache stores and compares, and a safe
   * key for coalescing concurrent checks of the same credentials. Never leaves the process.
   */
  public byte[] mac(String username, String password) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      // The username is bound in too, so equal passwords of two users give different values.
      mac.update(username.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      return mac.doFinal(password.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** True when these credentials were verified against exactly this hash, recently enough. */
  public synchronized boolean contains(String username, byte[] passwordMac, String currentHash) {
    Entry entry = entries.get(username);
    if (entry == null) {
      return false;
    }
    if (!entry.hash().equals(currentHash) || expired(entry)) {
      entries.remove(username);
      return false;
    }
    return MessageDigest.isEqual(entry.passwordMac(), passwordMac);
  }

  public synchronized void remember(String username, byte[] passwordMac, String hash) {
    entries.put(username, new Entry(passwordMac.clone(), hash, clock.instant()));
  }

  /** Drops the entries of users no longer in htpasswd (they would miss anyway; frees memory). */
  public synchronized void retainUsers(Set<String> users) {
    entries.keySet().retainAll(users);
  }

  public synchronized int size() {
    return entries.size();
  }

  private boolean expired(Entry entry) {
    return !clock.instant().isBefore(entry.verifiedAt().plus(maxAge));
  }
}
