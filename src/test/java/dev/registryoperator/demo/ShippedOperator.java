package dev.registryoperator.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator as it ships: {@code target/registry-operator.jar} in a JVM of its own, with the
 * arguments deploy/operator/deployment.yaml gives it (leader election in its namespace, the health
 * port), its output in a log file. Started means its {@code /startup} endpoint answers 200, as the
 * Deployment's startupProbe checks.
 */
final class ShippedOperator implements AutoCloseable {

  static final Path JAR = Path.of("target", "registry-operator.jar");
  static final String LEASE_NAMESPACE = "registry-operator-system";

  private static final Duration STOP_GRACE = Duration.ofSeconds(15);

  /** How the API server words an RBAC refusal; fabric8 puts it into every failure it logs. */
  private static final Pattern REFUSAL =
      Pattern.compile(
          "is forbidden: User \"[^\"]+\" cannot (\\w+) resource \"([^\"]+)\" in API group \"([^\"]*)\"");

  private final Process process;
  private final List<String> arguments;
  private final Path log;
  private final int healthPort;
  private volatile boolean closing;
  private volatile boolean killed;

  private ShippedOperator(Process process, List<String> arguments, Path log, int healthPort) {
    this.process = process;
    this.arguments = arguments;
    this.log = log;
    this.healthPort = healthPort;
  }

  /** The command line as printed: {@code java -jar ...} with paths relative to the checkout. */
  static List<String> arguments(DemoLayout layout, int healthPort) {
    return List.of(
        "java",
        "-jar",
        layout.show(JAR.toAbsolutePath()),
        "--kubeconfig",
        layout.show(layout.operatorKubeconfig()),
        "--leader-election-namespace",
        LEASE_NAMESPACE,
        "--health-port",
        Integer.toString(healthPort));
  }

  static int choosePort() throws IOException {
    return ControlPlane.freePort();
  }

  /** Starts the jar; under {@code setpriv --pdeathsig TERM}, like the control plane. */
  static ShippedOperator start(DemoLayout layout, int healthPort) throws IOException {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(
          JAR + " is missing: build it with mvn -B package -DskipTests");
    }
    List<String> arguments = arguments(layout, healthPort);
    List<String> command = new ArrayList<>(List.of("setpriv", "--pdeathsig", "TERM", "--"));
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(arguments.subList(1, arguments.size()));
    Path log = layout.logs().resolve("operator.log");
    Process process =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectErrorStream(true)
            .start();
    return new ShippedOperator(process, arguments, log, healthPort);
  }

  List<String> arguments() {
    return arguments;
  }

  Path log() {
    return log;
  }

  String healthUrl(String path) {
    return "http://127.0.0.1:" + healthPort + path;
  }

  long pid() {
    return process.pid();
  }

  boolean isRunning() {
    return process.isAlive();
  }

  /** Runs the action with the exit code if the operator exits before {@link #close()}. */
  void whenItExits(IntConsumer action) {
    process
        .onExit()
        .thenAccept(
            exited -> {
              if (!closing) {
                action.accept(exited.exitValue());
              }
            });
  }

  /**
   * The permissions the API server refused the operator so far ("patch leases in
   * coordination.k8s.io"), from its log: each one is a rule deploy/operator/cluster-role.yaml
   * lacks.
   */
  TreeSet<String> refusals() throws IOException {
    TreeSet<String> refusals = new TreeSet<>();
    for (String line : Files.readAllLines(log)) {
      Matcher refusal = REFUSAL.matcher(line);
      if (refusal.find()) {
        String group = refusal.group(3).isEmpty() ? "core" : refusal.group(3);
        refusals.add(refusal.group(1) + " " + refusal.group(2) + " (API group " + group + ")");
      }
    }
    return refusals;
  }

  /** Waits until /startup answers 200; throws when the process exits or time runs out. */
  void awaitStarted(Duration timeout) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest startup =
        HttpRequest.newBuilder(URI.create(healthUrl("/startup")))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the operator exited with " + process.exitValue() + " before it started");
      }
      try {
        if (http.send(startup, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
      ControlPlane.sleep(Duration.ofMillis(250));
    }
    throw new IllegalStateException(
        healthUrl("/startup") + " did not answer 200 within " + timeout.toSeconds() + " s");
  }

  /** SIGTERM, as kubelet stops a container: the operator's shutdown hook stops it cleanly. */
  @Override
  public void close() {
    closing = true;
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        killed = true;
        process.destroyForcibly();
        process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /**
   * True when {@link #close()} had to SIGKILL it: it ignored SIGTERM for the whole grace period.
   */
  boolean wasKilled() {
    return killed;
  }

  static Duration stopGrace() {
    return STOP_GRACE;
  }
}
