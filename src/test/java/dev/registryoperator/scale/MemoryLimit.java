package dev.registryoperator.scale;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The operator container's memory limit (512Mi in deploy/operator/deployment.yaml), for the
 * operator run as a process of this machine. Best: a memory cgroup of its own with that limit, in
 * which the JVM sees exactly what it sees in the container - the limit as its physical memory, so
 * {@code -XX:MaxRAMPercentage=50} gives a 256 MiB heap, and, because 512 MiB is below the JVM's
 * "server class" threshold, the Serial collector rather than G1. Without a writable cgroup the same
 * is approximated with flags ({@code -XX:MaxRAM} and {@code -XX:+UseSerialGC}); {@code -XX:MaxRAM}
 * alone would keep G1 and so measure a different JVM.
 */
final class MemoryLimit implements AutoCloseable {

  private final long bytes;
  private final Path cgroup;
  private final String limitFile;

  private MemoryLimit(long bytes, Path cgroup, String limitFile) {
    this.bytes = bytes;
    this.cgroup = cgroup;
    this.limitFile = limitFile;
  }

  /** A new memory cgroup with this limit, or the flag emulation if none can be made here. */
  static MemoryLimit of(long bytes, String name) {
    Optional<Path> parent = ownMemoryCgroup();
    if (parent.isPresent()) {
      boolean v2 = Files.exists(parent.get().resolve("memory.max"));
      String limitFile = v2 ? "memory.max" : "memory.limit_in_bytes";
      Path child = parent.get().resolve(name);
      try {
        Files.createDirectories(child);
        Files.writeString(child.resolve(limitFile), Long.toString(bytes));
        return new MemoryLimit(bytes, child, limitFile);
      } catch (IOException | UnsupportedOperationException e) {
        System.out.printf(
            "[scale] no memory cgroup (%s: %s): emulating the limit with JVM flags%n",
            child, e.getMessage());
      }
    }
    return new MemoryLimit(bytes, null, null);
  }

  boolean isCgroup() {
    return cgroup != null;
  }

  /** How the limit is applied, for the report. */
  String describe() {
    return isCgroup()
        ? "memory cgroup " + cgroup + " (" + limitFile + " = " + bytes / (1 << 20) + " MiB)"
        : "JVM flags -XX:MaxRAM=" + bytes + " -XX:+UseSerialGC (no writable memory cgroup)";
  }

  /**
   * The command that runs {@code java} under the limit: in the cgroup through a shell that moves
   * itself there and then execs java (so the JVM's pid is the process's), or java with the flags
   * that give the JVM the container's ergonomics.
   */
  List<String> command(List<String> javaCommand) {
    if (!isCgroup()) {
      List<String> command = new ArrayList<>();
      command.add(javaCommand.get(0));
      command.add("-XX:MaxRAM=" + bytes);
      command.add("-XX:+UseSerialGC");
      command.addAll(javaCommand.subList(1, javaCommand.size()));
      return command;
    }
    StringBuilder script = new StringBuilder("echo $$ > \"$0\" && exec");
    for (int i = 0; i < javaCommand.size(); i++) {
      script.append(" \"$").append(i + 1).append('"');
    }
    List<String> command = new ArrayList<>(List.of("sh", "-c", script.toString()));
    command.add(cgroup.resolve("cgroup.procs").toString());
    command.addAll(javaCommand);
    return command;
  }

  /** Times the cgroup refused memory (memory.failcnt, v1), or -1 where not known. */
  long failures() {
    if (!isCgroup() || !Files.exists(cgroup.resolve("memory.failcnt"))) {
      return -1;
    }
    try {
      return Long.parseLong(Files.readString(cgroup.resolve("memory.failcnt")).trim());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** Processes the kernel killed for the limit (memory.oom_control's oom_kill), or -1. */
  long oomKills() {
    if (!isCgroup() || !Files.exists(cgroup.resolve("memory.oom_control"))) {
      return -1;
    }
    try {
      return Files.readAllLines(cgroup.resolve("memory.oom_control")).stream()
          .filter(line -> line.startsWith("oom_kill "))
          .mapToLong(line -> Long.parseLong(line.substring("oom_kill ".length()).trim()))
          .findFirst()
          .orElse(-1);
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** Removes the cgroup; it must hold no process by then. */
  @Override
  public void close() {
    if (isCgroup()) {
      try {
        Files.deleteIfExists(cgroup);
      } catch (IOException e) {
        throw new UncheckedIOException("could not remove " + cgroup, e);
      }
    }
  }

  /**
   * The memory cgroup this JVM runs in, as a directory: cgroup v1's memory hierarchy, or v2's
   * unified one, found through /proc/self/cgroup and /proc/self/mountinfo.
   */
  private static Optional<Path> ownMemoryCgroup() {
    try {
      List<String> memberships = Files.readAllLines(Path.of("/proc/self/cgroup"));
      List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo"));
      for (String membership : memberships) {
        String[] parts = membership.split(":", 3);
        if (parts.length == 3 && List.of(parts[1].split(",")).contains("memory")) {
          Optional<Path> found = mountedAt(mounts, "cgroup", "memory", parts[2]);
          if (found.isPresent()) {
            return found;
          }
        }
      }
      for (String membership : memberships) {
        if (membership.startsWith("0::")) {
          Optional<Path> found = mountedAt(mounts, "cgroup2", null, membership.substring(3));
          if (found.isPresent() && Files.exists(found.get().resolve("memory.max"))) {
            return found;
          }
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** mountinfo: id parent major:minor root mountpoint options ... - fstype source superoptions. */
  private static Optional<Path> mountedAt(
      List<String> mounts, String fsType, String option, String cgroupPath) {
    for (String mount : mounts) {
      String[] halves = mount.split(" - ", 2);
      if (halves.length < 2) {
        continue;
      }
      String[] before = halves[0].split(" ");
      String[] after = halves[1].split(" ");
      if (!after[0].equals(fsType)
          || (option != null && !List.of(after[2].split(",")).contains(option))) {
        continue;
      }
      String root = before[3];
      if (!cgroupPath.startsWith(root)) {
        continue;
      }
      String relative = cgroupPath.substring(root.length()).replaceFirst("^/", "");
      Path directory = Path.of(before[4]).resolve(relative);
      if (Files.isDirectory(directory)) {
        return Optional.of(directory);
      }
    }
    return Optional.empty();
  }
}
