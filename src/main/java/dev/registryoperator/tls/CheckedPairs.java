package dev.registryoperator.tls;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.BooleanSupplier;

/**
 * The outcomes of the public-key checks every reconcile repeats on the same Secrets: whether a key
 * belongs to a certificate, whether a CA signed a certificate. Each outcome depends on the checked
 * bytes alone, so it is remembered under a SHA-256 of them and computed once per distinct pair: a
 * sign-and-verify costs more than rendering all of a registry's children (the largest item of the
 * operator's CPU in the scale benchmark's profile). The digest reveals nothing of a key; the cache
 * is bounded.
 */
final class CheckedPairs {

  /** Two pairs per registry (CA, serving certificate) and a few per token-mode registry. */
  private static final Cache<String, Boolean> OUTCOMES =
      Caffeine.newBuilder().maximumSize(20_000).build();

  private CheckedPairs() {}

  /** The check's outcome for these bytes: remembered, or computed now and remembered. */
  static boolean check(String kind, byte[] first, byte[] second, BooleanSupplier check) {
    return OUTCOMES.get(digest(kind, first, second), digest -> check.getAsBoolean());
  }

  private static String digest(String kind, byte[] first, byte[] second) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      sha256.update(kind.getBytes(StandardCharsets.US_ASCII));
      // The length keeps (ab, c) and (a, bc) apart.
      sha256.update(ByteBuffer.allocate(Integer.BYTES).putInt(first.length).array());
      sha256.update(first);
      sha256.update(second);
      return HexFormat.of().formatHex(sha256.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
