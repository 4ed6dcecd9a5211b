package dev.registryoperator.authserver;

/** Makes client-supplied words (usernames, addresses) safe to put in a log line. */
final class LogSafe {

  static final int MAX_LENGTH = 64;

  private LogSafe() {}

  /**
   * Printable ASCII only, at most 64 characters: a forged username cannot start a fake log line,
   * and a password pasted into the username field is at least cut short.
   */
  static String name(String word) {
    if (word == null) {
      return "-";
    }
    StringBuilder safe = new StringBuilder();
    for (int i = 0; i < word.length() && safe.length() < MAX_LENGTH; i++) {
      char c = word.charAt(i);
      safe.append(c > 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '?');
    }
    if (word.length() > MAX_LENGTH) {
      safe.append("...");
    }
    return safe.toString();
  }
}
