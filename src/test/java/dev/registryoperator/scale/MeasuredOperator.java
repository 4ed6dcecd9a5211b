package dev.registryoperator.scale;

import dev.registryoperator.testing.ProcFs;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator as its own process, started from the shaded jar the way the image starts it ({@code
 * java -jar}, {@code JAVA_TOOL_OPTIONS} from deploy/operator/deployment.yaml), under the
 * container's memory limit, with the health port on: /startup tells when it runs, /metrics what it
 * did (bcrypt operations, reconciles), /proc how much memory and CPU it used. Unlike
 * testing/OperatorProcess (the fault tests' operator, quick to start on test flags), it runs with
 * the production JVM options only, since its memory and CPU are what is measured.
 */
final class MeasuredOperator implements AutoCloseable {

  /** What deploy/operator/deployment.yaml sets for the operator's container, read from it. */
  static final String JAVA_TOOL_OPTIONS = deployedJavaToolOptions();

  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)$");

  private final Process process;
  private final int healthPort;
  private final Instant started;
  private final Path logFile;
  private final HttpClient http = HttpClient.newHttpClient();

  private MeasuredOperator(Process process, int healthPort, Instant started, Path logFile) {
    this.process = process;
    this.healthPort = healthPort;
    this.started = started;
    this.logFile = logFile;
  }

  /**
   * Starts {@code java -jar jar --kubeconfig kubeconfig --health-port P} under the limit; its
   * output goes to {@code logFile}. {@code extraJavaOptions} (usually empty) go into {@code
   * JAVA_TOOL_OPTIONS} after deploy/'s, e.g. to profile.
   */
  static MeasuredOperator start(
      Path jar, Path kubeconfig, MemoryLimit limit, String extraJavaOptions, Path logFile) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " is missing: build it first with `mvn -o -B package -DskipTests`");
    }
    int port = freePort();
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> javaCommand =
        new ArrayList<>(
            List.of(
                java.toString(),
                "-jar",
                jar.toAbsolutePath().toString(),
                "--kubeconfig",
                kubeconfig.toAbsolutePath().toString(),
                "--health-port",
                Integer.toString(port)));
    ProcessBuilder builder =
        new ProcessBuilder(limit.command(javaCommand))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    builder
        .environment()
        .put("JAVA_TOOL_OPTIONS", (JAVA_TOOL_OPTIONS + " " + extraJavaOptions).trim());
    builder.environment().remove("KUBECONFIG");
    try {
      Instant now = Instant.now();
      Process process = builder.start();
      // Not left running when the benchmark's JVM is stopped early.
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
      return new MeasuredOperator(process, port, now, logFile);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the operator", e);
    }
  }

  long pid() {
    return process.pid();
  }

  Instant started() {
    return started;
  }

  /** Waits until /startup answers 200: the operator's informers have synced. */
  Instant awaitStarted(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the operator exited with " + process.exitValue() + "; see " + logFile);
      }
      if (get("/startup").map(body -> body.startsWith("ok")).orElse(false)) {
        return Instant.now();
      }
      sleep(Duration.ofMillis(100));
    }
    throw new IllegalStateException(
        "the operator did not start within " + timeout + "; see " + logFile);
  }

  /** Sum of every series of a metric (all label sets), 0 when it has none yet. */
  double metric(String name) {
    double sum = 0;
    for (String line : scrape().split("\n")) {
      Matcher sample = SAMPLE.matcher(line.trim());
      if (sample.matches() && sample.group(1).equals(name)) {
        sum += Double.parseDouble(sample.group(3));
      }
    }
    return sum;
  }

  /**
   * /metrics, asked again for up to a minute: on a loaded machine one scrape may time out while the
   * operator is busy.
   */
  private String scrape() {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (true) {
      Optional<String> text = get("/metrics");
      if (text.isPresent()) {
        return text.get();
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("/metrics did not answer; see " + logFile);
      }
      sleep(Duration.ofSeconds(1));
    }
  }

  /** Resident memory now (VmRSS), MiB. */
  double rssMib() {
    return ProcFs.statusKib(pid(), "VmRSS") / 1024.0;
  }

  /** The most resident memory so far (VmHWM), MiB. */
  double peakRssMib() {
    return ProcFs.statusKib(pid(), "VmHWM") / 1024.0;
  }

  /** CPU seconds the operator used so far. */
  double cpuSeconds() {
    return ProcFs.cpuSeconds(pid());
  }

  /**
   * Forces a full collection and reads the heap then ({@code jcmd GC.run}, {@code GC.heap_info}),
   * as jcmd prints it: what the operator holds, as opposed to what the JVM has not given back.
   */
  String heapAfterGc() {
    jcmd("GC.run");
    return jcmd("GC.heap_info");
  }

  /** jcmd's answer, without its first line (the pid). */
  String jcmd(String command) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process run =
          new ProcessBuilder(jcmd.toString(), Long.toString(pid()), command)
              .redirectErrorStream(true)
              .start();
      String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!run.waitFor(60, TimeUnit.SECONDS)) {
        run.destroyForcibly();
        return "jcmd " + command + " timed out";
      }
      int firstNewline = out.indexOf('\n');
      return firstNewline < 0 ? out.trim() : out.substring(firstNewline + 1).trim();
    } catch (IOException e) {
      return "jcmd " + command + " failed: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "jcmd " + command + " interrupted";
    }
  }

  /** SIGTERM, as kubelet stops a container; waits until it has exited. */
  void stop() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The exit code once it has ended (137: killed with SIGKILL, e.g. for its memory limit). */
  int exitCode() {
    return process.exitValue();
  }

  Path logFile() {
    return logFile;
  }

  @Override
  public void close() {
    stop();
  }

  private Optional<String> get(String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + path))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String deployedJavaToolOptions() {
    try (InputStream in = Files.newInputStream(Path.of("deploy/operator/deployment.yaml"))) {
      Deployment deployment = new KubernetesSerialization().unmarshal(in, Deployment.class);
      return deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
          .filter(variable -> "JAVA_TOOL_OPTIONS".equals(variable.getName()))
          .map(EnvVar::getValue)
          .findFirst()
          .orElseThrow(
              () ->
                  new IllegalStateException(
                      "deploy/operator/deployment.yaml sets no JAVA_TOOL_OPTIONS"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
