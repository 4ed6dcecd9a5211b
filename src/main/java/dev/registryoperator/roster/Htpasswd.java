package dev.registryoperator.roster;

import dev.registryoperator.access.Permissions;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The htpasswd file: one "username:bcrypt-hash" line per user, sorted by username, so the same
 * users and hashes always give the same bytes and an unchanged roster never rewrites the Secret.
 */
public final class Htpasswd {

  private Htpasswd() {}

  /** A line of the file, with the rules the auth server applies to its user. */
  public record Entry(String username, String hash, Permissions permissions) {

    public Entry(String username, String hash) {
      this(username, hash, Permissions.UNRESTRICTED);
    }

    @Override
    public String toString() {
      return "Entry[" + username + "]"; // the hash stays out of logs
    }
  }

  public static String render(Collection<Entry> entries) {
    return entries.stream()
        .sorted(Comparator.comparing(Entry::username))
        .map(entry -> entry.username() + ":" + entry.hash() + "\n")
        .collect(Collectors.joining());
  }

  /** username -> hash of a rendered file, in file order. */
  public static Map<String, String> parse(String file) {
    Map<String, String> entries = new LinkedHashMap<>();
    for (String line : file.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        entries.put(line.substring(0, colon), line.substring(colon + 1));
      }
    }
    return entries;
  }
}
