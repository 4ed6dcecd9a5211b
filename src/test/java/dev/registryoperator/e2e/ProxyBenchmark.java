package dev.registryoperator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.it.RealApiServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark, not a test (its name ends in neither Test nor IT, so neither Surefire nor Failsafe
 * picks it up by default). Run with
 *
 * <pre>{@code mvn -B test -Dtest=ProxyBenchmark}</pre>
 *
 * optionally with {@code -Dbenchmark.layerMiB=256 -Dbenchmark.rounds=3 -Dbenchmark.heads=200
 * -Dbenchmark.cost=10}.
 *
 * <p>What the proxy costs: the same operator-managed registry pod (real API server, pod runner,
 * registry 2.8.2 and nginx 1.22.1 as the operator configured them, production defaults unless
 * {@code benchmark.cost} says otherwise) is used two ways, side by side in one run:
 *
 * <ul>
 *   <li><b>direct</b>: plain HTTP to the registry on {@code 127.0.0.1:5000} inside the pod, no TLS,
 *       no authentication - what no client outside the pod can do;
 *   <li><b>proxy</b>: through nginx on port 15000 by the Service's name, TLS verified against the
 *       published CA, basic auth with the user's pull Secret (bcrypt verified on every request).
 * </ul>
 *
 * Both clients run inside the pod's network namespace, so the network path is loopback in both
 * cases and the difference is the proxy's alone. Measured: push and pull of an image with one
 * random (incompressible) layer, with a new image every round so nothing is skipped as already
 * present, best of the rounds (direct and proxy alternate who goes first); and {@code heads}
 * sequential HEAD requests on a blob with one curl on one keep-alive connection, authenticated
 * through the proxy versus anonymous directly.
 */
@ExtendWith(EndToEndMachine.class)
class ProxyBenchmark {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final long MIB = 1 << 20;
  private static final long LAYER_MIB = Long.getLong("benchmark.layerMiB", 256);
  private static final int ROUNDS = Integer.getInteger("benchmark.rounds", 3);
  private static final int HEADS = Integer.getInteger("benchmark.heads", 200);
  private static final int COST = Integer.getInteger("benchmark.cost", 10);
  private static final Duration TIMEOUT = Duration.ofMinutes(10);
  private static final String DIRECT = "127.0.0.1:5000";
  private static final String USER = "bench";

  /**
   * The direct path is plain HTTP on the pod's loopback: there is no TLS to verify, and skopeo
   * speaks plain HTTP only with verification off. Only ever used on the direct path.
   */
  private static final String PLAIN_HTTP_DIRECT_PATH_ONLY_DEST = "--dest-tls-verify=false";

  private static final String PLAIN_HTTP_DIRECT_PATH_ONLY_SRC = "--src-tls-verify=false";

  @TempDir Path work;

  private OperatedRegistry registry;
  private Skopeo skopeo;
  private Path authFile;

  /**
   * Requests nginx logged for the last proxied push and pull: each one paid a bcrypt verification.
   */
  private long proxiedPushRequests;

  private long proxiedPullRequests;

  @Test
  void proxyVersusDirect() {
    registry =
        OperatedRegistry.start(API, work, "bench", "spec: {auth: {bcryptCost: " + COST + "}}");
    try {
      skopeo = Skopeo.withHome(work.resolve("skopeo"));
      registry.createUser(USER, "");
      registry.awaitUserReady(USER);
      registry.awaitLogin(USER, registry.generatedPassword(USER), 200);
      authFile = registry.authFileOf(USER);
      run();
    } finally {
      registry.close();
    }
  }

  private void run() {
    List<Double> directPush = new ArrayList<>();
    List<Double> directPull = new ArrayList<>();
    List<Double> proxyPush = new ArrayList<>();
    List<Double> proxyPull = new ArrayList<>();
    Pushed lastDirect = null;
    Pushed lastProxy = null;
    for (int round = 1; round <= ROUNDS; round++) {
      boolean directFirst = round % 2 == 1;
      for (int leg = 0; leg < 2; leg++) {
        if ((leg == 0) == directFirst) {
          lastDirect = pushAndPull(round, false, directPush, directPull);
        } else {
          lastProxy = pushAndPull(round, true, proxyPush, proxyPull);
        }
      }
    }
    Heads directHeads = heads(false, lastDirect);
    Heads proxyHeads = heads(true, lastProxy);
    print(directPush, directPull, proxyPush, proxyPull, directHeads, proxyHeads);
  }

  /** A pushed image: the repository it went to and its layer. */
  private record Pushed(String repository, String layerDigest) {}

  private Pushed pushAndPull(int round, boolean viaProxy, List<Double> pushes, List<Double> pulls) {
    String path = viaProxy ? "proxy" : "direct";
    OciImages.OciImage image =
        OciImages.withRandomLayer(
            work.resolve("image-" + path + "-" + round), "v1", LAYER_MIB * MIB);
    String repository = "bench/" + path + "-" + round;
    Path pulled = work.resolve("pulled-" + path + "-" + round);
    String remote =
        (viaProxy ? registry.proxyReference(repository) : "docker://" + DIRECT + "/" + repository)
            + ":v1";

    long logged = proxyAccessLogLines();
    pushes.add(
        timed(
            viaProxy
                ? () ->
                    skopeo.insidePod(
                        registry.pod(),
                        registry.dns(),
                        TIMEOUT,
                        "copy",
                        "--dest-authfile",
                        authFile.toString(),
                        "--dest-cert-dir",
                        registry.caDir().toString(),
                        image.reference(),
                        remote)
                : () ->
                    skopeo.insidePod(
                        registry.pod(),
                        TIMEOUT,
                        "copy",
                        PLAIN_HTTP_DIRECT_PATH_ONLY_DEST,
                        image.reference(),
                        remote)));
    if (viaProxy) {
      proxiedPushRequests = proxyAccessLogLines() - logged;
    }
    logged = proxyAccessLogLines();
    pulls.add(
        timed(
            viaProxy
                ? () ->
                    skopeo.insidePod(
                        registry.pod(),
                        registry.dns(),
                        TIMEOUT,
                        "copy",
                        "--src-authfile",
                        authFile.toString(),
                        "--src-cert-dir",
                        registry.caDir().toString(),
                        remote,
                        "oci:" + pulled + ":v1")
                : () ->
                    skopeo.insidePod(
                        registry.pod(),
                        TIMEOUT,
                        "copy",
                        PLAIN_HTTP_DIRECT_PATH_ONLY_SRC,
                        remote,
                        "oci:" + pulled + ":v1")));
    if (viaProxy) {
      proxiedPullRequests = proxyAccessLogLines() - logged;
    }
    // Outside the timing: what came back is what went in.
    assertThat(OciImages.digest(OciImages.blob(pulled, image.layerDigest())))
        .isEqualTo(image.layerDigest());
    deleteQuietly(image.layout());
    deleteQuietly(pulled);
    return new Pushed(repository, image.layerDigest());
  }

  /** nginx logs every request of /v2/ to its stdout, one line each (probes are not logged). */
  private long proxyAccessLogLines() {
    return registry.pod().logs("proxy").lines().filter(line -> line.contains(" /v2/")).count();
  }

  private interface Command {
    HostCommand.Result run();
  }

  /** Seconds the command took; it must succeed. */
  private double timed(Command command) {
    long started = System.nanoTime();
    HostCommand.Result result = command.run();
    double seconds = (System.nanoTime() - started) / 1e9;
    assertThat(result.exitCode()).as(result + "\n" + registry.describe()).isZero();
    return seconds;
  }

  private record Heads(double wallSeconds, double requestSeconds, int connections) {}

  /**
   * {@link #HEADS} sequential HEADs of a blob by one curl: one connection (and for the proxy one
   * TLS handshake) for all of them; the proxy gets Basic credentials on every request, as docker
   * clients send them.
   */
  private Heads heads(boolean viaProxy, Pushed pushed) {
    String url =
        (viaProxy ? "https://" + registry.proxyHost() : "http://" + DIRECT)
            + "/v2/"
            + pushed.repository()
            + "/blobs/"
            + pushed.layerDigest();
    StringBuilder config = new StringBuilder();
    for (int i = 0; i < HEADS; i++) {
      config.append("url = \"").append(url).append("\"\noutput = \"/dev/null\"\n");
    }
    Path configFile = work.resolve("heads-" + (viaProxy ? "proxy" : "direct") + ".curlrc");
    try {
      Files.writeString(configFile, config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> command =
        new ArrayList<>(
            List.of(
                "/usr/sbin/ip",
                "netns",
                "exec",
                registry.pod().networkNamespace(),
                "/usr/bin/curl",
                "-sS",
                "-I",
                "-K",
                configFile.toString(),
                "-w",
                "%{http_code} %{num_connects} %{time_total}\n"));
    if (viaProxy) {
      command.addAll(
          List.of(
              "--cacert",
              registry.caDir().resolve("ca.crt").toString(),
              "-u",
              USER + ":" + registry.generatedPassword(USER)));
    }
    Map<String, String> environment = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    long started = System.nanoTime();
    HostCommand.Result result =
        viaProxy
            ? registry.dns().run(TIMEOUT, environment, command)
            : HostCommand.run(TIMEOUT, environment, command);
    double wall = (System.nanoTime() - started) / 1e9;
    result.orThrow();
    List<String> lines = result.stdout().lines().toList();
    assertThat(lines).hasSize(HEADS).allSatisfy(line -> assertThat(line).startsWith("200 "));
    double requests = 0;
    int connections = 0;
    for (String line : lines) {
      String[] fields = line.split(" ");
      connections += Integer.parseInt(fields[1]);
      requests += Double.parseDouble(fields[2]);
    }
    return new Heads(wall, requests, connections);
  }

  private void print(
      List<Double> directPush,
      List<Double> directPull,
      List<Double> proxyPush,
      List<Double> proxyPull,
      Heads directHeads,
      Heads proxyHeads) {
    StringBuilder table = new StringBuilder("\n");
    table.append(
        String.format(
            Locale.ROOT,
            "Proxy benchmark: %d MiB image (one random layer), best of %d round(s); %d HEADs; bcrypt cost %d;"
                + " %d CPU(s); both clients inside the pod's network namespace%n",
            LAYER_MIB,
            ROUNDS,
            HEADS,
            COST,
            Runtime.getRuntime().availableProcessors()));
    String row = "%-34s | %-30s | %-30s | %s%n";
    table.append(
        String.format(
            Locale.ROOT,
            row,
            "",
            "direct  http://" + DIRECT,
            "proxy  https://:15000 TLS+auth",
            "proxy/direct"));
    table
        .append("-".repeat(34))
        .append("-+-")
        .append("-".repeat(30))
        .append("-+-")
        .append("-".repeat(30))
        .append("-+-")
        .append("-".repeat(12))
        .append('\n');
    table.append(transferRow(row, "push (skopeo copy oci: -> docker:)", directPush, proxyPush));
    table.append(transferRow(row, "pull (skopeo copy docker: -> oci:)", directPull, proxyPull));
    table.append(
        String.format(
            Locale.ROOT,
            row,
            HEADS + " x HEAD blob, one curl",
            String.format(
                Locale.ROOT,
                "%.2f s (%.2f ms/req)",
                directHeads.wallSeconds(),
                1000 * directHeads.requestSeconds() / HEADS),
            String.format(
                Locale.ROOT,
                "%.2f s (%.2f ms/req)",
                proxyHeads.wallSeconds(),
                1000 * proxyHeads.requestSeconds() / HEADS),
            String.format(
                Locale.ROOT,
                "%.1fx (per req %.1fx)",
                proxyHeads.wallSeconds() / directHeads.wallSeconds(),
                proxyHeads.requestSeconds() / directHeads.requestSeconds())));
    table.append(
        String.format(
            Locale.ROOT,
            "(HEAD: wall time of the curl process; ms/req from curl's time_total;"
                + " connections opened: direct %d, proxy %d)%n",
            directHeads.connections(),
            proxyHeads.connections()));
    table.append(
        String.format(
            Locale.ROOT,
            "(requests through the proxy, each with a bcrypt verification: push %d, pull %d)%n",
            proxiedPushRequests,
            proxiedPullRequests));
    table.append(
        String.format(
            Locale.ROOT,
            "(rounds, s: direct push %s pull %s; proxy push %s pull %s)%n",
            seconds(directPush),
            seconds(directPull),
            seconds(proxyPush),
            seconds(proxyPull)));
    System.out.println(table);
  }

  private static String transferRow(
      String row, String label, List<Double> direct, List<Double> proxy) {
    double bestDirect = direct.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    double bestProxy = proxy.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    return String.format(
        Locale.ROOT,
        row,
        label,
        String.format(Locale.ROOT, "%.2f s (%.0f MiB/s)", bestDirect, LAYER_MIB / bestDirect),
        String.format(Locale.ROOT, "%.2f s (%.0f MiB/s)", bestProxy, LAYER_MIB / bestProxy),
        String.format(Locale.ROOT, "%.2fx", bestProxy / bestDirect));
  }

  private static String seconds(List<Double> values) {
    return values.stream().map(v -> String.format(Locale.ROOT, "%.2f", v)).toList().toString();
  }

  private static void deleteQuietly(Path directory) {
    try {
      AtomicWriter.deleteRecursively(directory);
    } catch (IOException | UncheckedIOException e) {
      System.out.println("[bench] cannot delete " + directory + ": " + e);
    }
  }
}
