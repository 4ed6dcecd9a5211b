package dev.registryoperator.authserver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A directory laid out as kubelet lays out a Secret volume: the files live in a timestamped
 * directory, {@code ..data} links to it, and each key is a link through {@code ..data}. An update
 * writes a new directory and swaps {@code ..data} atomically, then removes the old one.
 */
final class SecretVolume {

  private static final AtomicInteger GENERATION = new AtomicInteger();

  private final Path root;

  SecretVolume(Path root) throws IOException {
    this.root = Files.createDirectories(root);
  }

  Path path(String key) {
    return root.resolve(key);
  }

  void write(Map<String, String> files) throws IOException {
    Path data = root.resolve("..data");
    Path old = Files.isSymbolicLink(data) ? root.resolve(Files.readSymbolicLink(data)) : null;
    String name = "..2025_03_01_12_00_00." + GENERATION.incrementAndGet();
    Path generation = Files.createDirectory(root.resolve(name));
    for (Map.Entry<String, String> file : files.entrySet()) {
      Files.writeString(generation.resolve(file.getKey()), file.getValue());
    }
    Path next = root.resolve("..data_tmp");
    Files.createSymbolicLink(next, Path.of(name));
    Files.move(next, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    for (String key : files.keySet()) {
      Path link = root.resolve(key);
      if (!Files.isSymbolicLink(link)) {
        Files.createSymbolicLink(link, Path.of("..data").resolve(key));
      }
    }
    if (old != null) {
      try (Stream<Path> walk = Files.walk(old)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
