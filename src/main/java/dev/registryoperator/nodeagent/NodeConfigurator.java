package dev.registryoperator.nodeagent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a node's files say what {@link NodeFiles} says: writes what differs, removes the
 * directories it wrote for registries that are gone, and leaves everything else alone.
 *
 * <p>Each file is written to a temporary name and renamed, so containerd never reads half a
 * hosts.toml. The hosts file is the exception: it is usually a bind mount (in the agent's pod, and
 * on many nodes a container runtime's), which cannot be renamed over, so it is rewritten in place.
 */
public final class NodeConfigurator {

  private static final Logger log = LoggerFactory.getLogger(NodeConfigurator.class);

  private final Path containerdCertsDir;
  private final Optional<Path> dockerCertsDir;
  private final Path hostsFile;

  public NodeConfigurator(Path containerdCertsDir, Optional<Path> dockerCertsDir, Path hostsFile) {
    this.containerdCertsDir = containerdCertsDir;
    this.dockerCertsDir = dockerCertsDir;
    this.hostsFile = hostsFile;
  }

  /** Docker's directory is written only when configured and there. */
  public boolean hasDocker() {
    return dockerCertsDir.map(Files::isDirectory).orElse(false);
  }

  /** Applies {@code files}; returns what changed, for the log (empty when nothing did). */
  public List<String> apply(NodeFiles files) throws IOException {
    List<String> changes = new ArrayList<>();
    Files.createDirectories(containerdCertsDir);
    sync(containerdCertsDir, files.containerd(), changes);
    if (hasDocker()) {
      sync(dockerCertsDir.get(), files.docker(), changes);
    }
    String hosts = Files.readString(hostsFile, StandardCharsets.UTF_8);
    String updated = HostsBlock.replace(hosts, files.hostsLines());
    if (!updated.equals(hosts)) {
      Files.writeString(
          hostsFile,
          updated,
          StandardCharsets.UTF_8,
          StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
      changes.add("updated " + hostsFile);
    }
    return changes;
  }

  private static void sync(
      Path root, SortedMap<String, SortedMap<String, String>> wanted, List<String> changes)
      throws IOException {
    for (Path ours : directoriesWrittenByUs(root)) {
      if (!wanted.containsKey(ours.getFileName().toString())) {
        deleteDirectory(ours);
        changes.add("removed " + ours);
      }
    }
    for (Map.Entry<String, SortedMap<String, String>> directory : wanted.entrySet()) {
      Path dir = root.resolve(directory.getKey());
      if (Files.isDirectory(dir) && !Files.exists(dir.resolve(NodeFiles.MARKER))) {
        // Someone configured this registry on the node by hand: theirs wins, and stays.
        log.warn("Leaving {} alone: it was not written by the node agent", dir);
        continue;
      }
      Files.createDirectories(dir);
      for (Map.Entry<String, String> file : directory.getValue().entrySet()) {
        if (writeIfChanged(dir.resolve(file.getKey()), file.getValue())) {
          changes.add("wrote " + dir.resolve(file.getKey()));
        }
      }
    }
  }

  private static List<Path> directoriesWrittenByUs(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(root)) {
      return children
          .filter(dir -> Files.isRegularFile(dir.resolve(NodeFiles.MARKER)))
          .sorted()
          .toList();
    }
  }

  private static boolean writeIfChanged(Path file, String content) throws IOException {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    if (Files.isRegularFile(file) && java.util.Arrays.equals(Files.readAllBytes(file), bytes)) {
      return false;
    }
    Path temporary = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.write(temporary, bytes);
    try {
      Files.move(
          temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
    }
    return true;
  }

  private static void deleteDirectory(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.deleteIfExists(file);
      }
    }
    Files.deleteIfExists(dir);
  }
}
