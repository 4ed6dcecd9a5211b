package dev.registryoperator.access;

import java.util.regex.Pattern;

/**
 * A repository name with {@code *} wildcards. A {@code *} matches any run of characters, slashes
 * included, so {@code team-a/*} covers {@code team-a/app} and {@code team-a/tools/app} alike.
 */
public final class RepositoryPattern {

  /** What the CRD accepts: repository-name characters and '*', at most 255 characters. */
  public static final String SYNTAX = "^[a-z0-9*]([a-z0-9._/*-]{0,253}[a-z0-9*])?$";

  /** {@link #SYNTAX} in words, for the messages that refuse a pattern. */
  public static final String RULE =
      "lowercase letters, digits, '.', '_', '-', '/' and '*' as wildcard, starting and ending with"
          + " a letter, digit or '*', at most 255 characters";

  private static final Pattern VALID = Pattern.compile(SYNTAX);

  private RepositoryPattern() {}

  public static boolean isValid(String pattern) {
    return pattern != null && VALID.matcher(pattern).matches();
  }

  public static boolean matches(String pattern, String repository) {
    return matches(pattern, 0, repository, 0);
  }

  /** Glob matching without regular expressions: patterns come from users and stay linear enough. */
  private static boolean matches(String pattern, int p, String name, int n) {
    int star = -1;
    int starMatchedUpTo = 0;
    while (n < name.length()) {
      if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        starMatchedUpTo = n;
      } else if (p < pattern.length() && pattern.charAt(p) == name.charAt(n)) {
        p++;
        n++;
      } else if (star >= 0) {
        p = star + 1;
        n = ++starMatchedUpTo;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }
}
