package dev.registryoperator.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * File modes and owners with the bits Java's POSIX view leaves out (setgid), via the "unix" view.
 */
final class Posix {

  private Posix() {}

  static int mode(Path path) {
    try {
      return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int gid(Path path) {
    try {
      return (Integer) Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void chmod(Path path, int mode) {
    try {
      Files.setAttribute(path, "unix:mode", mode & 07777);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void chown(Path path, long uid, long gid) {
    try {
      Files.setAttribute(path, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(path, "unix:gid", (int) gid, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * kubelet's {@code SetVolumeOwnership} ({@code pkg/volume/volume_linux.go}) for a pod with an
   * fsGroup: every entry of the volume gets the group; files and directories become group-readable
   * (and group-writable unless the volume is read-only); directories get the setgid bit, so that
   * new files inherit the group. Symbolic links only change group.
   */
  static void applyFsGroup(Path volume, long fsGroup, boolean readOnly) {
    try (Stream<Path> walk = Files.walk(volume)) {
      List<Path> entries = walk.toList();
      for (Path entry : entries) {
        Files.setAttribute(entry, "unix:gid", (int) fsGroup, LinkOption.NOFOLLOW_LINKS);
        if (Files.isSymbolicLink(entry)) {
          continue;
        }
        int mask = readOnly ? 0440 : 0660;
        if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
          mask |= 02000 | 0110;
        }
        chmod(entry, mode(entry) | mask);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot apply fsGroup to " + volume, e);
    }
  }
}
