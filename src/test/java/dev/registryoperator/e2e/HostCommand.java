package dev.registryoperator.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A program run on this machine to completion, with stdout and stderr kept apart (callers parse
 * stdout: headers, digests). The tools of the pod runner and the clients of the tests go through
 * here.
 */
public final class HostCommand {

  /** Pipes are drained on threads of their own: the common pool may have a single thread. */
  private static final ExecutorService DRAINERS =
      Executors.newCachedThreadPool(
          runnable -> {
            Thread thread = new Thread(runnable, "host-command-output");
            thread.setDaemon(true);
            return thread;
          });

  private HostCommand() {}

  public record Result(List<String> command, int exitCode, String stdout, String stderr) {

    public boolean succeeded() {
      return exitCode == 0;
    }

    /** Throws unless the command exited with 0. */
    public Result orThrow() {
      if (exitCode != 0) {
        throw new IllegalStateException(this.toString());
      }
      return this;
    }

    @Override
    public String toString() {
      return String.join(" ", command)
          + " exited with "
          + exitCode
          + "\n--- stdout ---\n"
          + stdout
          + "\n--- stderr ---\n"
          + stderr;
    }
  }

  public static Result run(Duration timeout, String... command) {
    return run(timeout, null, List.of(command));
  }

  public static Result run(Duration timeout, List<String> command) {
    return run(timeout, null, command);
  }

  /**
   * @param environment the complete environment of the program, or null to inherit ours
   */
  public static Result run(
      Duration timeout, Map<String, String> environment, List<String> command) {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    if (environment != null) {
      builder.environment().clear();
      builder.environment().putAll(environment);
    }
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
    CompletableFuture<String> stdout = drain(process.getInputStream());
    CompletableFuture<String> stderr = drain(process.getErrorStream());
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException(
            command
                + " did not finish within "
                + timeout
                + "; stdout:\n"
                + stdout.getNow("")
                + "\nstderr:\n"
                + stderr.getNow(""));
      }
      return new Result(List.copyOf(command), process.exitValue(), stdout.join(), stderr.join());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException("interrupted while running " + command, e);
    }
  }

  private static CompletableFuture<String> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "<unreadable: " + e + ">";
          }
        },
        DRAINERS);
  }
}
