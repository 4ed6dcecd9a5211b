package dev.registryoperator.kube;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Secret payloads are written as base64 {@code data}, never {@code stringData}: under server-side
 * apply stringData changes the resourceVersion on every reconcile.
 */
public final class SecretData {

  private SecretData() {}

  public static SortedMap<String, String> encode(Map<String, String> plain) {
    SortedMap<String, String> encoded = new TreeMap<>();
    plain.forEach(
        (key, value) ->
            encoded.put(
                key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
    return encoded;
  }

  /** The decoded bytes of a key, empty when the Secret or key is missing. */
  public static Optional<byte[]> decodeBytes(Secret secret, String key) {
    if (secret == null || secret.getData() == null || secret.getData().get(key) == null) {
      return Optional.empty();
    }
    return Optional.of(Base64.getDecoder().decode(secret.getData().get(key)));
  }

  /** Whether the bytes are well-formed UTF-8 ({@link #decode} replaces what is not). */
  public static boolean isUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /** The decoded value of a key, empty when the Secret or key is missing. */
  public static Optional<String> decode(Secret secret, String key) {
    return decodeBytes(secret, key).map(bytes -> new String(bytes, StandardCharsets.UTF_8));
  }
}
