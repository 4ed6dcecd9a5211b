package dev.registryoperator.demo;

import dev.registryoperator.e2e.HostCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the commands the demo prints, exactly as printed: each line goes to {@code bash -c} from the
 * checkout with the environment of {@code source target/demo/env} (KUBECONFIG and {@code
 * target/demo/bin} first on PATH). Whoever reads the output can paste any line into a shell that
 * sourced that file and get the same result.
 *
 * <p>{@code target/demo/bin} holds kubectl 1.20.2 (the one matching the API server; the machine's
 * own kubectl, if any, may be another version) and {@code in-cluster}, which runs a command with
 * the registry Service's DNS names resolving to the pod, as for a client inside the cluster (the
 * same private-/etc/hosts mount namespace the end-to-end tests use, {@code ServiceDns}).
 */
final class DemoShell {

  private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

  private final DemoConsole console;
  private final Map<String, String> environment;

  private DemoShell(DemoConsole console, Map<String, String> environment) {
    this.console = console;
    this.environment = environment;
  }

  /** Writes target/demo/bin and target/demo/env. */
  static DemoShell create(DemoLayout layout, DemoConsole console, Path kubectl) throws IOException {
    Path bin = Files.createDirectories(layout.bin());
    Files.deleteIfExists(bin.resolve("kubectl"));
    Files.createSymbolicLink(bin.resolve("kubectl"), kubectl.toRealPath());
    Path inCluster = bin.resolve("in-cluster");
    Files.writeString(
        inCluster,
        String.join(
            "\n",
            "#!/bin/sh",
            "# Runs a command with the registry Service's DNS names resolving to the pod, as for a client",
            "# inside the cluster: a private mount namespace with "
                + layout.show(layout.hostsFile())
                + " over /etc/hosts.",
            "# Written by scripts/demo.sh; needs root.",
            "exec unshare --mount --propagation private -- /bin/sh -c 'mount --bind \"$0\" /etc/hosts && exec \"$@\"' \\",
            "  " + layout.hostsFile() + " \"$@\"",
            ""));
    Files.setPosixFilePermissions(inCluster, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(
        layout.envFile(),
        String.join(
            "\n",
            "# source "
                + layout.show(layout.envFile())
                + ": kubectl (1.20.2) and in-cluster talk to the demo while it runs.",
            "export KUBECONFIG=" + layout.adminKubeconfig(),
            "export PATH=" + bin + ":$PATH",
            ""));

    Map<String, String> environment = new HashMap<>(System.getenv());
    environment.put("KUBECONFIG", layout.adminKubeconfig().toString());
    environment.put(
        "PATH", bin + ":" + System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
    return new DemoShell(console, environment);
  }

  /** Prints the line, runs it, and throws with its output when it fails. */
  HostCommand.Result run(String line) {
    return run(line, DEFAULT_TIMEOUT);
  }

  HostCommand.Result run(String line, Duration timeout) {
    console.command(line);
    HostCommand.Result result = runQuietly(line, timeout);
    if (!result.succeeded()) {
      throw new IllegalStateException(
          "the command failed with exit code "
              + result.exitCode()
              + ":\n  $ "
              + line
              + outputOf(result));
    }
    return result;
  }

  /** Runs a line without printing it, for checks whose outcome the caller prints. */
  HostCommand.Result runQuietly(String line, Duration timeout) {
    return HostCommand.run(
        timeout, environment, List.of("/bin/bash", "-o", "pipefail", "-c", line));
  }

  private static String outputOf(HostCommand.Result result) {
    StringBuilder text = new StringBuilder();
    if (!result.stdout().isBlank()) {
      text.append("\n  stdout: ").append(result.stdout().strip().replace("\n", "\n          "));
    }
    if (!result.stderr().isBlank()) {
      text.append("\n  stderr: ").append(result.stderr().strip().replace("\n", "\n          "));
    }
    return text.toString();
  }
}
