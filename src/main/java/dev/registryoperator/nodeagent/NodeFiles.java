package dev.registryoperator.nodeagent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a node's files say for a set of registries; pure, byte-identical for the same input.
 *
 * <ul>
 *   <li>containerd ({@code config_path} of its CRI registry section): a directory per {@code
 *       host:port} with {@code hosts.toml} naming the CA file, and the CA;
 *   <li>Docker ({@code /etc/docker/certs.d}), when the node has it: a directory per {@code
 *       host:port} with the CA as {@code ca.crt};
 *   <li>the hosts file: one line per registry mapping its names to the Service's cluster IP, since
 *       nodes do not use the cluster's DNS.
 * </ul>
 *
 * Each directory also holds {@link #MARKER} naming the registry, so the agent removes only what it
 * wrote when a registry goes away, and leaves directories someone else made alone.
 *
 * @param containerd per directory name (host:port), file name to content
 * @param docker the same for Docker's certs.d; empty when the node has none
 * @param hostsLines the lines of the agent's block in the hosts file
 */
public record NodeFiles(
    SortedMap<String, SortedMap<String, String>> containerd,
    SortedMap<String, SortedMap<String, String>> docker,
    List<String> hostsLines) {

  public static final String MARKER = ".registry-operator";
  public static final String HOSTS_TOML = "hosts.toml";
  public static final String CA_FILE = "ca.crt";

  /**
   * @param containerdCertsDir where containerd reads hosts.toml from, as a path on the node: the
   *     CA's path inside hosts.toml is read by containerd, not by the agent
   * @param withDocker whether to render Docker's directories too
   */
  public static NodeFiles render(
      Collection<NodeTrust> trusts, Path containerdCertsDir, boolean withDocker) {
    SortedMap<String, SortedMap<String, String>> containerd = new TreeMap<>();
    SortedMap<String, SortedMap<String, String>> docker = new TreeMap<>();
    List<String> hostsLines = new ArrayList<>();
    List<NodeTrust> sorted =
        trusts.stream().sorted(Comparator.comparing(NodeTrust::registry)).toList();
    for (NodeTrust trust : sorted) {
      for (String authority : trust.authorities()) {
        SortedMap<String, String> files = new TreeMap<>();
        files.put(MARKER, trust.registry() + "\n");
        files.put(CA_FILE, trust.caCertificate());
        files.put(HOSTS_TOML, hostsToml(trust, authority, containerdCertsDir.resolve(authority)));
        containerd.put(authority, files);
        if (withDocker) {
          SortedMap<String, String> dockerFiles = new TreeMap<>();
          dockerFiles.put(MARKER, trust.registry() + "\n");
          dockerFiles.put(CA_FILE, trust.caCertificate());
          docker.put(authority, dockerFiles);
        }
      }
      hostsLines.add(trust.clusterIP() + " " + String.join(" ", trust.hosts()));
    }
    return new NodeFiles(containerd, docker, List.copyOf(hostsLines));
  }

  private static String hostsToml(NodeTrust trust, String authority, Path directory) {
    return """
        # Written by the registry-operator node agent for %1$s; removed with the registry.
        server = "https://%2$s"

        [host."https://%2$s"]
          capabilities = ["pull", "resolve", "push"]
          ca = "%3$s"
        """
        .formatted(trust.registry(), authority, directory.resolve(CA_FILE));
  }
}
