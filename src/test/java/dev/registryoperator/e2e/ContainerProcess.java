package dev.registryoperator.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One container of the pod, started as a runtime (runc) would start it, but from this machine's
 * programs instead of an image:
 *
 * <ol>
 *   <li>it joins the pod's network, UTS and IPC namespaces ({@link PodNetwork}) and gets a mount
 *       and a PID namespace of its own, so its program is PID 1, as in a container;
 *   <li>its root is a fresh tmpfs with this machine's /usr bound read-only (standing in for the
 *       image) and /etc as an overlay over this machine's /etc (writes stay in the container);
 *       kubelet's /etc/hosts, /etc/hostname and /etc/resolv.conf are bound in, /dev is a small
 *       tmpfs with the usual devices, /dev/stdout and friends, /dev/shm and /dev/termination-log;
 *       /proc and /sys are its own;
 *   <li>each volumeMount binds the volume's directory at its mountPath ({@code readOnly} honoured),
 *       so Secret updates (a {@code ..data} swap inside the directory) are visible at once;
 *   <li>with readOnlyRootFilesystem the root and /etc are remounted read-only; only volumes are
 *       writable;
 *   <li>the program is started under {@code setpriv} with the container's user, groups and
 *       privileges ({@link ContainerSecurity}), with exactly the container's environment.
 * </ol>
 *
 * <p>stdout and stderr go to one log file owned by the container's user, as runc hands the
 * container pipes owned by it (nginx reopens {@code /dev/stdout}).
 *
 * <p>Not emulated: cgroups (no CPU or memory limits, no OOM kill), seccomp, restarts (a container
 * that exits stays exited; restartPolicy and back-off are not emulated), lifecycle hooks, TTYs.
 */
final class ContainerProcess implements AutoCloseable {

  /** A volume directory bound into the container. */
  record Mount(Path source, String mountPath, boolean readOnly) {}

  private final String name;
  private final Path log;
  private final Map<String, String> environment;
  private final ContainerSecurity security;
  private final Process process;
  private final long startedAt = System.nanoTime();

  private ContainerProcess(
      String name,
      Path log,
      Map<String, String> environment,
      ContainerSecurity security,
      Process process) {
    this.name = name;
    this.log = log;
    this.environment = environment;
    this.security = security;
    this.process = process;
  }

  /**
   * @param podFiles kubelet's per-pod files: mount path in the container to file on this machine
   */
  static ContainerProcess start(
      String name,
      Path dir,
      Path log,
      PodNetwork network,
      List<Mount> mounts,
      Map<String, Path> podFiles,
      Map<String, String> environment,
      ContainerSecurity security,
      String workingDir,
      List<String> argv) {
    try {
      Files.createDirectories(dir.resolve("rootfs"));
      Files.createDirectories(dir.resolve("scratch"));
      Path terminationLog = dir.resolve("termination-log");
      Files.write(terminationLog, new byte[0]);
      Posix.chown(terminationLog, security.uid(), security.gid());
      Files.createDirectories(log.getParent());
      Files.write(log, new byte[0]);
      Posix.chown(log, security.uid(), security.gid());

      String effectiveWorkingDir = workingDir == null || workingDir.isEmpty() ? "/" : workingDir;
      Path script = dir.resolve("start.sh");
      Files.writeString(
          script,
          startScript(dir, mounts, podFiles, terminationLog, security, effectiveWorkingDir),
          StandardCharsets.UTF_8);

      List<String> command = new ArrayList<>(List.of("nsenter"));
      command.addAll(network.joinArguments());
      command.addAll(
          List.of(
              "--",
              "unshare",
              "--mount",
              "--pid",
              "--fork",
              "--propagation",
              "private",
              "--",
              "/bin/sh",
              "-e",
              script.toString()));
      environment.forEach((key, value) -> command.add(key + "=" + value));
      command.addAll(security.setpriv());
      command.addAll(argv);

      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      builder.environment().clear();
      builder.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
      return new ContainerProcess(name, log, environment, security, builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start container " + name, e);
    }
  }

  /**
   * The shell script that builds the container's mount namespace and then becomes the container (it
   * runs as PID 1 of the new PID namespace; the program replaces it through exec). Its arguments:
   * the environment as NAME=VALUE, then setpriv and the program's argv.
   */
  private static String startScript(
      Path dir,
      List<Mount> mounts,
      Map<String, Path> podFiles,
      Path terminationLog,
      ContainerSecurity security,
      String workingDir) {
    StringBuilder script = new StringBuilder();
    script.append("# Generated by the pod runner: the mount namespace of one container.\n");
    script.append("R=").append(quote(dir.resolve("rootfs").toString())).append('\n');
    script.append("S=").append(quote(dir.resolve("scratch").toString())).append('\n');
    script.append("mount -t tmpfs -o mode=0755 rootfs \"$R\"\n");
    script.append("mount -t tmpfs -o mode=0700 scratch \"$S\"\n");
    script.append("mkdir \"$S/etc-upper\" \"$S/etc-work\"\n");
    script.append(
        "mkdir \"$R/usr\" \"$R/etc\" \"$R/dev\" \"$R/proc\" \"$R/sys\" \"$R/tmp\" \"$R/var\" \"$R/run\"\n");
    script.append("chmod 1777 \"$R/tmp\"\n");
    // The image stand-in: this machine's programs and libraries, read-only.
    script.append("mount --rbind /usr \"$R/usr\"\nmount -o remount,bind,ro \"$R/usr\"\n");
    for (String top : List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32")) {
      Path host = Path.of("/", top);
      if (Files.isSymbolicLink(host)) {
        script
            .append("ln -s ")
            .append(quote(readLink(host)))
            .append(" \"$R/")
            .append(top)
            .append("\"\n");
      } else if (Files.isDirectory(host)) {
        script.append("mkdir \"$R/").append(top).append("\"\n");
        script.append("mount --rbind /").append(top).append(" \"$R/").append(top).append("\"\n");
        script.append("mount -o remount,bind,ro \"$R/").append(top).append("\"\n");
      }
    }
    script.append(
        "mount -t overlay overlay -o \"lowerdir=/etc,upperdir=$S/etc-upper,workdir=$S/etc-work\" \"$R/etc\"\n");
    podFiles.forEach(
        (path, file) -> {
          script.append("touch \"$R\"").append(quote(path)).append('\n');
          script
              .append("mount --bind ")
              .append(quote(file.toString()))
              .append(" \"$R\"")
              .append(quote(path))
              .append('\n');
        });

    script.append("mount -t tmpfs -o mode=0755,nosuid,size=65536k tmpfs \"$R/dev\"\n");
    script.append("for d in null zero full random urandom tty; do\n");
    script.append("  touch \"$R/dev/$d\"; mount --bind \"/dev/$d\" \"$R/dev/$d\"\n");
    script.append("done\n");
    script.append("ln -s /proc/self/fd \"$R/dev/fd\"\n");
    script.append("ln -s /proc/self/fd/0 \"$R/dev/stdin\"\n");
    script.append("ln -s /proc/self/fd/1 \"$R/dev/stdout\"\n");
    script.append("ln -s /proc/self/fd/2 \"$R/dev/stderr\"\n");
    script.append(
        "mkdir \"$R/dev/shm\"\nmount -t tmpfs -o mode=1777,nosuid,nodev,noexec,size=65536k shm \"$R/dev/shm\"\n");
    script.append("touch \"$R/dev/termination-log\"\n");
    script
        .append("mount --bind ")
        .append(quote(terminationLog.toString()))
        .append(" \"$R/dev/termination-log\"\n");
    script.append("mount -t proc -o nosuid,nodev,noexec proc \"$R/proc\"\n");
    script.append("mount -t sysfs -o ro,nosuid,nodev,noexec sysfs \"$R/sys\"\n");

    // Volumes last, parents before children (as the runtime sorts them).
    List<Mount> ordered = new ArrayList<>(mounts);
    ordered.sort(Comparator.comparingInt(mount -> Path.of(mount.mountPath()).getNameCount()));
    for (Mount mount : ordered) {
      String target = "\"$R\"" + quote(mount.mountPath());
      if (Files.isRegularFile(mount.source())) {
        // A file of the image (the operator's jar): bound onto a file, as a runtime does.
        String parent = "\"$R\"" + quote(Path.of(mount.mountPath()).getParent().toString());
        script.append("mkdir -p ").append(parent).append('\n');
        script.append("touch ").append(target).append('\n');
      } else {
        script.append("mkdir -p ").append(target).append('\n');
      }
      script
          .append("mount --bind ")
          .append(quote(mount.source().toString()))
          .append(' ')
          .append(target)
          .append('\n');
      if (mount.readOnly()) {
        script.append("mount -o remount,bind,ro ").append(target).append('\n');
      }
    }
    // The runtime creates a missing working directory.
    script.append("mkdir -p \"$R\"").append(quote(workingDir)).append('\n');
    if (security.readOnlyRootFilesystem()) {
      script.append("mount -o remount,ro \"$R/etc\"\n");
      script.append("mount -o remount,ro \"$R\"\n");
    }
    script
        .append("exec /usr/sbin/chroot \"$R\" /usr/bin/env -i -C ")
        .append(quote(workingDir))
        .append(" \"$@\"\n");
    return script.toString();
  }

  private static String readLink(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String quote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }

  String name() {
    return name;
  }

  Path log() {
    return log;
  }

  boolean isRunning() {
    return process.isAlive();
  }

  Optional<Integer> exitCode() {
    return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
  }

  Duration uptime() {
    return Duration.ofNanos(System.nanoTime() - startedAt);
  }

  /** The container's PID 1 as this machine sees it, once the runtime has forked it. */
  Optional<Long> pid() {
    return process.toHandle().children().findFirst().map(ProcessHandle::pid);
  }

  String logs() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "<cannot read " + log + ": " + e + ">";
    }
  }

  /**
   * Runs a command inside the container, as {@code kubectl exec} does: in all its namespaces, its
   * root, its user and its environment.
   */
  HostCommand.Result exec(Duration timeout, List<String> command) {
    long pid =
        pid().orElseThrow(() -> new IllegalStateException("container " + name + " is not running"));
    List<String> full =
        new ArrayList<>(
            List.of(
                "nsenter",
                "--target",
                String.valueOf(pid),
                "--mount",
                "--uts",
                "--ipc",
                "--net",
                "--pid",
                "--root",
                "--wd",
                "--",
                "/usr/bin/env",
                "-i"));
    environment.forEach((key, value) -> full.add(key + "=" + value));
    full.addAll(security.setpriv());
    full.addAll(command);
    return HostCommand.run(timeout, Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), full);
  }

  /**
   * Stops the container as kubelet does: SIGTERM to its PID 1, SIGKILL after the grace period.
   * Killing PID 1 ends every process of its PID namespace.
   */
  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  void close(Duration gracePeriod) {
    Optional<ProcessHandle> init = process.toHandle().children().findFirst();
    init.ifPresent(ProcessHandle::destroy);
    try {
      if (!process.waitFor(gracePeriod.toMillis(), TimeUnit.MILLISECONDS)) {
        process.toHandle().children().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "container "
        + name
        + (process.isAlive() ? " (running)" : " (exited " + process.exitValue() + ")");
  }
}
