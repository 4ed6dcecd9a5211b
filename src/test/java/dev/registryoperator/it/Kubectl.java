package dev.registryoperator.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The kubectl that matches the test's server, run the way a user runs it against that server: for
 * manifests whose contract is "kubectl apply works", not "the Java client can send it".
 */
final class Kubectl {

  private static final long TIMEOUT_SECONDS = 60;

  private final Path kubeconfig;

  private Kubectl(Path kubeconfig) {
    this.kubeconfig = kubeconfig;
  }

  static Kubectl of(RealApiServer api, Path workDir) throws IOException {
    Path kubeconfig = workDir.resolve("kubeconfig");
    Files.writeString(kubeconfig, api.kubeConfigYaml());
    return new Kubectl(kubeconfig);
  }

  /** What kubectl printed and how it ended. */
  record Result(List<String> command, int exitCode, String stdout, String stderr) {

    boolean succeeded() {
      return exitCode == 0;
    }

    @Override
    public String toString() {
      return String.join(" ", command)
          + " -> exit "
          + exitCode
          + "\n--- stdout\n"
          + stdout
          + "--- stderr\n"
          + stderr;
    }
  }

  Result run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(RealApiServer.kubectl().toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(args));
    Path out = Files.createTempFile(kubeconfig.getParent(), "kubectl", ".out");
    Path err = Files.createTempFile(kubeconfig.getParent(), "kubectl", ".err");
    Process process =
        new ProcessBuilder(command)
            .directory(Path.of("").toAbsolutePath().toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " did not finish in time");
    }
    return new Result(
        command,
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
