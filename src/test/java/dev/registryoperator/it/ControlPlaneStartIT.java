package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPITestException;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tier's own start-up: a control plane whose process exits while starting is started again, and
 * the failed attempt ends when its process exits, not after kube-api-test's 120 s readiness
 * timeout. The exit is staged with an etcd that exits with code 3 before running the real one.
 */
class ControlPlaneStartIT {

  /** For the tier's rules: skipped without binaries (failed under CI), output scanned. */
  @RegisterExtension static final RealApiServer API = new RealApiServer();

  /** Well under the 120 s kube-api-test would wait for a server whose etcd is gone. */
  private static final Duration FAST = Duration.ofSeconds(60);

  private static final int EXIT_CODE = 3;

  @TempDir Path testDir;

  @Test
  void aControlPlaneWhoseEtcdExitsOnceIsStartedAgain() throws IOException {
    stageEtcd(1);
    List<String> reports = new ArrayList<>();
    long started = System.nanoTime();
    KubeAPIServer server =
        ControlPlaneStart.start(RealApiServer.serverConfig(testDir).build(), reports::add);
    try {
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      System.out.printf("[it] ControlPlaneStartIT: started on the second attempt in %s%n", took);
      assertThat(took).isLessThan(FAST);
      assertThat(reports)
          .singleElement(STRING)
          .startsWith("control plane start 1 of 3 failed (a control-plane process (pid ")
          .contains("exited with code " + EXIT_CODE);
      try (KubernetesClient client =
          new KubernetesClientBuilder()
              .withConfig(Config.fromKubeconfig(server.getKubeConfigYaml()))
              .build()) {
        assertThat(client.namespaces().withName("default").get()).isNotNull();
      }
    } finally {
      server.stop();
    }
  }

  @Test
  void aControlPlaneThatNeverStartsFailsSayingWhyAfterItsAttempts() throws IOException {
    stageEtcd(ControlPlaneStart.ATTEMPTS);
    List<String> reports = new ArrayList<>();
    long started = System.nanoTime();
    assertThatThrownBy(
            () ->
                ControlPlaneStart.start(RealApiServer.serverConfig(testDir).build(), reports::add))
        .isInstanceOf(KubeAPITestException.class)
        .hasMessageStartingWith("the control plane did not start in 3 attempts; the last: ")
        .hasMessageContaining("exited with code " + EXIT_CODE);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(FAST);
    assertThat(reports).hasSize(ControlPlaneStart.ATTEMPTS - 1);
  }

  /**
   * kube-api-test's directory with the provisioned kube-apiserver and kubectl, and an etcd that
   * exits its first {@code failures} times and then is the provisioned one.
   */
  private void stageEtcd(int failures) throws IOException {
    Path provisioned = RealApiServer.provisionedBinaries();
    Path binaries = RealApiServer.binaries(testDir);
    Files.createDirectories(binaries);
    // Scripts, not links: JUnit warns about every link out of a temporary directory it deletes.
    for (String binary : List.of("kube-apiserver", "kubectl")) {
      script(binaries.resolve(binary), "exec '%s' \"$@\"".formatted(provisioned.resolve(binary)));
    }
    Path starts = testDir.resolve("etcd-starts");
    script(
        binaries.resolve("etcd"),
        """
        echo start >> '%s'
        if [ "$(wc -l < '%s')" -le %d ]; then exit %d; fi
        exec '%s' "$@"
        """
            .formatted(starts, starts, failures, EXIT_CODE, provisioned.resolve("etcd")));
  }

  private static void script(Path path, String body) throws IOException {
    Files.writeString(path, "#!/bin/sh\n" + body + "\n");
    assertThat(path.toFile().setExecutable(true)).isTrue();
  }
}
