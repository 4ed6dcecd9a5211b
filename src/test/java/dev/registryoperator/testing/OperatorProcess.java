package dev.registryoperator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator as its own JVM, started the way a user runs it ({@code java -jar
 * target/registry-operator.jar}), finding the API server through {@code KUBECONFIG}: a process the
 * tests can SIGKILL, which an Operator inside the test JVM cannot be. Its output goes to a log file
 * per start, under {@link #LOGS}.
 */
public final class OperatorProcess {

  public static final Path LOGS = Path.of("target", "operator-process-logs");
  private static final Path JAR = Path.of("target", "registry-operator.jar");
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);

  private final Process process;
  private final Path log;
  private final long startedNanos;
  private final long startedAfterNanos;

  private OperatorProcess(Process process, Path log, long startedNanos, long startedAfterNanos) {
    this.process = process;
    this.log = log;
    this.startedNanos = startedNanos;
    this.startedAfterNanos = startedAfterNanos;
  }

  /**
   * Starts the operator against the cluster of the kubeconfig and returns once its /startup probe
   * answers 200 (its informers have synced).
   *
   * @param name names the log file, {@code target/operator-process-logs/<name>.log}
   * @param environment extra environment variables (fabric8 settings)
   */
  public static OperatorProcess start(
      String name, Path kubeconfig, Map<String, String> environment, String... arguments) {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: run mvn package first");
    }
    long started = System.nanoTime();
    int healthPort = freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Quicker to start on the test machine's two cores; the operator's behaviour does not change.
    command.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    command.addAll(List.of("-jar", JAR.toString(), "--health-port", Integer.toString(healthPort)));
    command.addAll(List.of(arguments));
    try {
      Files.createDirectories(LOGS);
      Path log = LOGS.resolve(name + ".log");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
      builder.environment().put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
      builder.environment().putAll(environment);
      Process process = builder.start();
      awaitStarted(process, healthPort, log);
      return new OperatorProcess(process, log, started, System.nanoTime() - started);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** From the start of the JVM until its /startup probe answered 200. */
  public Duration startup() {
    return Duration.ofNanos(startedAfterNanos);
  }

  /** Nanos (System.nanoTime) when the process was started. */
  public long startedNanos() {
    return startedNanos;
  }

  public Path log() {
    return log;
  }

  /** SIGKILL: no shutdown hook, no last request, no flushed state. Returns once it is dead. */
  public void kill() {
    process.destroyForcibly();
    waitForExit();
  }

  /** SIGTERM, the way kubelet stops a pod; returns once the process has exited. */
  public void stop() {
    process.destroy();
    waitForExit();
  }

  private void waitForExit() {
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the operator process " + pid() + " exits");
    }
  }

  private static void awaitStarted(Process process, int healthPort, Path log) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest startup =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/startup"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the operator process exited with " + process.exitValue() + " at start; see " + log);
      }
      try {
        if (http.send(startup, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYetListening) {
        // the health server is not up yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
        throw new IllegalStateException("interrupted while the operator process starts");
      }
      sleep(100);
    }
    process.destroyForcibly();
    throw new IllegalStateException(
        "the operator process did not report started within " + STARTUP_TIMEOUT + "; see " + log);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
