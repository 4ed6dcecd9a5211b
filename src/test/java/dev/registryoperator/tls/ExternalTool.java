package dev.registryoperator.tls;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A program the tests check our output with (openssl, nginx): the real consumers of the files we
 * render. Missing locally, the test is skipped with a hint; missing on CI, it fails, so that a CI
 * image without the tool cannot silently turn these checks off.
 */
public record ExternalTool(Path binary) {

  public static ExternalTool require(String path, String installHint) {
    Path binary = Path.of(path);
    if (!Files.isExecutable(binary)) {
      String message = path + " is not installed; install it with `" + installHint + "`";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message);
      }
      Assumptions.assumeTrue(false, message);
    }
    return new ExternalTool(binary);
  }

  public static ExternalTool openssl() {
    return require("/usr/bin/openssl", "apt-get install openssl");
  }

  /** Runs the tool to completion in {@code workDir}; stdout and stderr are merged. */
  public Result run(Path workDir, String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(List.of(arguments));
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      // The output is small; reading it to the end also waits for the process to finish writing.
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail(command + " did not finish within 60 s; output:\n" + output);
      }
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public record Result(int exitCode, String output) {}
}
