package dev.registryoperator.authserver;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The users' bcrypt hashes, as the auth server reads them from the mounted htpasswd file. Like the
 * registry's own htpasswd reader, only bcrypt entries count; other lines are skipped (and counted).
 * The first entry of a user wins, as in nginx and Apache.
 *
 * <p>The operator writes the file with {@link dev.registryoperator.roster.Htpasswd}; this is the
 * reading side, stricter than {@code roster.Htpasswd.parse} (which trusts its own output): it
 * checks each hash, normalises {@code $2y$}/{@code $2b$} for jBCrypt and knows the typical cost.
 */
public final class HtpasswdEntries {

  public static final HtpasswdEntries EMPTY = new HtpasswdEntries(Map.of(), 0);

  private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(\\d\\d)\\$[./A-Za-z0-9]{53}");

  private final Map<String, String> hashes;
  private final int skippedLines;

  private HtpasswdEntries(Map<String, String> hashes, int skippedLines) {
    this.hashes = Collections.unmodifiableMap(hashes);
    this.skippedLines = skippedLines;
  }

  public static HtpasswdEntries parse(String text) {
    Map<String, String> hashes = new HashMap<>();
    int skipped = 0;
    for (String raw : text.split("\n", -1)) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      String hash = colon < 0 ? "" : line.substring(colon + 1);
      if (colon <= 0 || !BCRYPT.matcher(hash).matches()) {
        skipped++;
        continue;
      }
      hashes.putIfAbsent(line.substring(0, colon), normalise(hash));
    }
    return new HtpasswdEntries(hashes, skipped);
  }

  /** jBCrypt only reads {@code $2a$}; {@code $2y$} and {@code $2b$} hash passwords identically. */
  static String normalise(String hash) {
    return hash.startsWith("$2y$") || hash.startsWith("$2b$") ? "$2a$" + hash.substring(4) : hash;
  }

  public Optional<String> hash(String username) {
    return Optional.ofNullable(hashes.get(username));
  }

  public Set<String> users() {
    return hashes.keySet();
  }

  /**
   * Lines that were neither comments nor bcrypt entries (counted, never shown: they may hold
   * secrets).
   */
  public int skippedLines() {
    return skippedLines;
  }

  /**
   * The cost most entries use, so that the dummy compare for unknown users takes as long as a real
   * one. 10 when there are no entries.
   */
  public int typicalCost() {
    Map<Integer, Integer> counts = new HashMap<>();
    for (String hash : hashes.values()) {
      Matcher m = BCRYPT.matcher(hash);
      if (m.matches()) {
        counts.merge(Integer.parseInt(m.group(1)), 1, Integer::sum);
      }
    }
    return counts.entrySet().stream()
        .max(Map.Entry.comparingByValue())
        .map(Map.Entry::getKey)
        .orElse(10);
  }

  @Override
  public String toString() {
    return "HtpasswdEntries[" + hashes.size() + " users]";
  }
}
