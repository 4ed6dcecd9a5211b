package dev.registryoperator.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/** The guard that decides whether a missing tool skips or fails the checks that need it. */
class ExternalToolTest {

  @Test
  void aMissingToolSkipsLocallyAndFailsOnCi() {
    Throwable thrown =
        catchThrowable(() -> ExternalTool.require("/nonexistent/tool", "apt-get install tool"));

    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      assertThat(thrown).isInstanceOf(AssertionError.class);
    } else {
      assertThat(thrown).isInstanceOf(TestAbortedException.class);
    }
    assertThat(thrown).hasMessageContaining("apt-get install tool");
  }

  @Test
  void runReportsExitCodeAndMergedOutput(@TempDir Path dir) {
    ExternalTool shell = ExternalTool.require("/bin/sh", "apt-get install dash");

    ExternalTool.Result result = shell.run(dir, "-c", "echo out; echo err >&2; exit 3");

    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.output()).contains("out").contains("err");
  }
}
