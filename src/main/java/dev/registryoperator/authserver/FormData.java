package dev.registryoperator.authserver;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A query string or an {@code application/x-www-form-urlencoded} body, decoded. */
final class FormData {

  private final Map<String, List<String>> values;

  private FormData(Map<String, List<String>> values) {
    this.values = values;
  }

  /** Malformed pairs (bad escapes) are skipped, as Go's url.ParseQuery does. */
  static FormData parse(String raw) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int equals = pair.indexOf('=');
        try {
          String key =
              URLDecoder.decode(
                  equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
          String value =
              equals < 0
                  ? ""
                  : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
          values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        } catch (IllegalArgumentException e) {
          // skipped
        }
      }
    }
    return new FormData(values);
  }

  Optional<String> first(String key) {
    List<String> all = values.get(key);
    return all == null || all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
  }

  List<String> all(String key) {
    return values.getOrDefault(key, List.of());
  }

  @Override
  public String toString() {
    // Forms carry passwords and refresh tokens: show the keys only.
    return "FormData" + values.keySet();
  }
}
