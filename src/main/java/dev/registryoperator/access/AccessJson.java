package dev.registryoperator.access;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * One JSON form for the rules wherever they are stored: sorted keys, so equal rules are equal
 * bytes.
 */
final class AccessJson {

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
          .configure(SerializationFeature.INDENT_OUTPUT, true)
          .build();

  private AccessJson() {}

  static String write(Object rules) {
    try {
      return JSON.writeValueAsString(rules) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("access rules cannot be written as JSON", e);
    }
  }

  static <T> T read(String json, Class<T> type) {
    try {
      return JSON.readValue(json, type);
    } catch (JsonProcessingException e) {
      // The parser's own message only: never the content, which sits next to password hashes.
      throw new IllegalArgumentException("access rules are not valid: " + e.getOriginalMessage());
    }
  }
}
