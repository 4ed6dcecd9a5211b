package dev.registryoperator.authserver;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One file of a Kubernetes Secret volume (or a few that only make sense together, such as a key and
 * its certificate), re-read by content. Such files change by an atomic swap of the {@code ..data}
 * symlink, after which the path resolves to a new file whose time stamp says little; comparing a
 * digest of the content is the test that never misses. The files are small and read at most once a
 * second.
 */
final class WatchedFile {

  /** Far above any real htpasswd; keeps a wrong mount from filling a 32 MiB heap. */
  static final int MAX_BYTES = 4 * 1024 * 1024;

  /** What a read found. */
  sealed interface Read {}

  record Unchanged() implements Read {}

  /** New content, one array per path; {@link #accept(Changed)} once it has been put to use. */
  record Changed(List<byte[]> contents, byte[] digest) implements Read {
    byte[] content() {
      return contents.get(0);
    }
  }

  record Missing(Path path) implements Read {}

  record Unreadable(Path path, String reason) implements Read {}

  private final List<Path> paths;
  private byte[] acceptedDigest;

  WatchedFile(Path... paths) {
    this.paths = List.of(paths);
  }

  Path path() {
    return paths.get(0);
  }

  /** Reads the file(s) and compares with the content last accepted. */
  Read read() {
    List<byte[]> contents = new ArrayList<>();
    MessageDigest digest = sha256();
    for (Path path : paths) {
      byte[] content;
      try (InputStream in = Files.newInputStream(path)) {
        content = in.readNBytes(MAX_BYTES + 1);
      } catch (NoSuchFileException e) {
        return new Missing(path);
      } catch (IOException e) {
        // The exception's class says enough (a directory, permissions); no content in it.
        return new Unreadable(path, e.getClass().getSimpleName());
      }
      if (content.length > MAX_BYTES) {
        return new Unreadable(path, "larger than " + MAX_BYTES + " bytes");
      }
      contents.add(content);
      digest.update(sha256().digest(content));
    }
    byte[] combined = digest.digest();
    if (acceptedDigest != null && Arrays.equals(acceptedDigest, combined)) {
      return new Unchanged();
    }
    return new Changed(contents, combined);
  }

  /** Marks content as in use: the same bytes read as unchanged from now on. */
  void accept(Changed changed) {
    acceptedDigest = changed.digest().clone();
  }

  boolean everAccepted() {
    return acceptedDigest != null;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
