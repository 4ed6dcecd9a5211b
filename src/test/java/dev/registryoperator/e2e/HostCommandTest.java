package dev.registryoperator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostCommandTest {

  @Test
  void aFailureMessageMasksTheCredentialsOnTheCommandLine() {
    HostCommand.Result failed =
        new HostCommand.Result(
            List.of(
                "skopeo",
                "copy",
                "--src-creds",
                "alice:s3cret-one",
                "--dest-creds",
                "bob:s3cret-two",
                "--creds",
                "token-only",
                "x",
                "y"),
            1,
            "",
            "denied");

    String message = failed.toString();

    assertThat(message)
        .doesNotContain("s3cret-one", "s3cret-two", "token-only")
        .contains("--src-creds alice:***", "--dest-creds bob:***", "--creds *** x y")
        .contains("exited with 1");
    assertThat(
            new HostCommand.Result(List.of("curl", "-u", "carol:pw", "https://h/v2/"), 7, "", "")
                .toString())
        .startsWith("curl -u carol:*** https://h/v2/");
  }
}
