package dev.registryoperator.registry.model;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API server stores quantities canonically (10240Mi becomes 10Gi) and claims are not sanitised
 * by the dependent matcher: writing a non-canonical size would look like drift on every reconcile.
 */
final class Quantities {

  private static final Pattern BINARY = Pattern.compile("([1-9][0-9]*)(Mi|Gi|Ti)");
  private static final List<String> UNITS = List.of("Mi", "Gi", "Ti", "Pi", "Ei");

  private Quantities() {}

  static String canonicalBinary(String size) {
    Matcher match = BINARY.matcher(size);
    if (!match.matches()) {
      throw new IllegalArgumentException("not a binary size: " + size);
    }
    long amount = Long.parseLong(match.group(1));
    int unit = UNITS.indexOf(match.group(2));
    while (unit < UNITS.size() - 1 && amount % 1024 == 0) {
      amount /= 1024;
      unit++;
    }
    return amount + UNITS.get(unit);
  }
}
