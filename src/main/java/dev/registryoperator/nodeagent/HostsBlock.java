package dev.registryoperator.nodeagent;

import java.util.ArrayList;
import java.util.List;

/**
 * The agent's block in a node's hosts file, between two marker lines; pure. The lines outside the
 * block are kept as they are (only blank lines at the very end go): the file belongs to the node,
 * the block to the agent.
 */
public final class HostsBlock {

  public static final String BEGIN = "# BEGIN registry-operator node-agent";
  public static final String END = "# END registry-operator node-agent";

  private HostsBlock() {}

  /**
   * The file with the block replaced by {@code lines}, or removed when there are none. A block that
   * is not there yet is appended; a damaged one (a begin without an end) is cut to the end.
   */
  public static String replace(String hostsFile, List<String> lines) {
    List<String> kept = new ArrayList<>();
    boolean inBlock = false;
    for (String line : hostsFile.split("\n", -1)) {
      if (line.equals(BEGIN)) {
        inBlock = true;
      } else if (inBlock && line.equals(END)) {
        inBlock = false;
      } else if (!inBlock) {
        kept.add(line);
      }
    }
    // split keeps a trailing "" for a final newline; it is added back below.
    while (!kept.isEmpty() && kept.get(kept.size() - 1).isEmpty()) {
      kept.remove(kept.size() - 1);
    }
    StringBuilder result = new StringBuilder();
    for (String line : kept) {
      result.append(line).append('\n');
    }
    if (!lines.isEmpty()) {
      result.append(BEGIN).append('\n');
      for (String line : lines) {
        result.append(line).append('\n');
      }
      result.append(END).append('\n');
    }
    return result.toString();
  }
}
