package dev.registryoperator.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The directory of a Secret, ConfigMap or downward API volume, written the way kubelet's {@code
 * pkg/volume/util/atomic_writer.go} writes it:
 *
 * <pre>
 *   ..2025_03_01_12_00_00.1234567890/   the payload, one file per key (or item path)
 *   ..data -> ..2025_03_01_12_00_00.1234567890
 *   htpasswd -> ..data/htpasswd          one link per top-level path of the payload
 * </pre>
 *
 * An update writes a new timestamped directory and renames a fresh {@code ..data_tmp} link over
 * {@code ..data}, so a reader opening {@code htpasswd} sees either the old or the new file, never a
 * half-written one. Nothing is rewritten when the content did not change.
 */
final class AtomicWriter {

  static final String DATA_DIR = "..data";
  private static final String DATA_DIR_TMP = "..data_tmp";
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("'..'yyyy_MM_dd_HH_mm_ss.").withZone(ZoneOffset.UTC);

  /** One file of the payload. */
  record FileProjection(byte[] data, int mode) {

    @Override
    public boolean equals(Object other) {
      return other instanceof FileProjection that
          && mode == that.mode
          && Arrays.equals(data, that.data);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(data) + mode;
    }
  }

  private final Path target;
  private final Consumer<Path> setPermissions;

  /**
   * @param setPermissions applied to the whole volume directory after the new payload is written
   *     and before it becomes visible (kubelet applies the pod's fsGroup there)
   */
  AtomicWriter(Path target, Consumer<Path> setPermissions) {
    this.target = target;
    this.setPermissions = setPermissions;
  }

  /**
   * @return true when the payload differed from what was there and has been swapped in
   */
  boolean write(Map<String, FileProjection> payload) {
    payload.keySet().forEach(AtomicWriter::validatePath);
    try {
      Path oldTimestamped = currentTimestampedDir();
      // Like kubelet, compare content only: fsGroup may have widened the modes on disk.
      if (oldTimestamped != null && sameContent(payload, read(oldTimestamped))) {
        return false;
      }
      Path timestamped = Files.createTempDirectory(target, TIMESTAMP.format(Instant.now()));
      Posix.chmod(timestamped, 0755);
      for (Map.Entry<String, FileProjection> file : payload.entrySet()) {
        Path path = timestamped.resolve(file.getKey());
        createDirectories(timestamped, path.getParent());
        Files.write(path, file.getValue().data());
        Posix.chmod(path, file.getValue().mode());
      }
      setPermissions.accept(target);

      Path link = target.resolve(DATA_DIR_TMP);
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, timestamped.getFileName());
      Files.move(link, target.resolve(DATA_DIR), StandardCopyOption.ATOMIC_MOVE);

      Set<String> visible = topLevelNames(payload.keySet());
      for (String name : visible) {
        try {
          Files.createSymbolicLink(target.resolve(name), Path.of(DATA_DIR, name));
        } catch (FileAlreadyExistsException alreadyLinked) {
          // The link points through ..data and therefore already shows the new file.
        }
      }
      if (oldTimestamped != null) {
        for (String name : topLevelNames(read(oldTimestamped).keySet())) {
          if (!visible.contains(name)) {
            Files.deleteIfExists(target.resolve(name));
          }
        }
        deleteRecursively(oldTimestamped);
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write volume " + target, e);
    }
  }

  private Path currentTimestampedDir() throws IOException {
    Path data = target.resolve(DATA_DIR);
    if (!Files.isSymbolicLink(data)) {
      return null;
    }
    Path timestamped = target.resolve(Files.readSymbolicLink(data));
    return Files.isDirectory(timestamped, LinkOption.NOFOLLOW_LINKS) ? timestamped : null;
  }

  private static Map<String, FileProjection> read(Path timestamped) throws IOException {
    Map<String, FileProjection> files = new HashMap<>();
    try (Stream<Path> walk = Files.walk(timestamped)) {
      for (Path path : walk.filter(Files::isRegularFile).toList()) {
        files.put(
            timestamped.relativize(path).toString(),
            new FileProjection(Files.readAllBytes(path), Posix.mode(path) & 0777));
      }
    }
    return files;
  }

  private static boolean sameContent(
      Map<String, FileProjection> payload, Map<String, FileProjection> onDisk) {
    return payload.keySet().equals(onDisk.keySet())
        && payload.entrySet().stream()
            .allMatch(
                file -> Arrays.equals(file.getValue().data(), onDisk.get(file.getKey()).data()));
  }

  private static Set<String> topLevelNames(Set<String> paths) {
    Set<String> names = new TreeSet<>();
    paths.forEach(path -> names.add(Path.of(path).getName(0).toString()));
    return names;
  }

  private static void createDirectories(Path root, Path dir) throws IOException {
    if (dir.equals(root) || Files.isDirectory(dir)) {
      return;
    }
    createDirectories(root, dir.getParent());
    Files.createDirectory(dir);
    Posix.chmod(dir, 0755);
  }

  /** The checks of kubelet's validatePayload: relative, no "..", not hidden behind a ".." name. */
  private static void validatePath(String path) {
    if (path.isEmpty()
        || path.startsWith("/")
        || path.startsWith("..")
        || Arrays.asList(path.split("/")).contains("..")) {
      throw new IllegalArgumentException("invalid path in a volume payload: " + path);
    }
  }

  static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        try {
          Files.delete(path);
        } catch (NoSuchFileException gone) {
          // deleted concurrently
        }
      }
    }
  }
}
