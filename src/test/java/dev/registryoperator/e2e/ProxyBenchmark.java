package dev.registryoperator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.registryoperator.api.v1alpha1.AuthSpec.AuthMode;
import dev.registryoperator.it.RealApiServer;
import dev.registryoperator.registry.model.RegistryDeployment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark, not a test (its name ends in neither Test nor IT, so neither Surefire nor Failsafe
 * picks it up by default). Needs {@code wrk} ({@code apt-get install -y wrk}) and {@code mvn
 * package} first (the pod runs the auth server from target/registry-operator.jar). Run with
 *
 * <pre>{@code mvn -B test -Dtest=ProxyBenchmark -Dsurefire.failIfNoSpecifiedTests=false}</pre>
 *
 * optionally with {@code -Dbenchmark.layerMiB=256 -Dbenchmark.rounds=3 -Dbenchmark.heads=200
 * -Dbenchmark.cost=10 -Dbenchmark.seconds=20 -Dbenchmark.warmupSeconds=3 -Dbenchmark.threads=2
 * -Dbenchmark.connections=32}.
 *
 * <p>What the proxy and its authentication cost, in one run, side by side, on one operator-managed
 * registry (real API server, pod runner, registry 2.8.2, nginx 1.22.1 and the auth server from this
 * build, as the operator configured them; production defaults unless {@code benchmark.cost} says
 * otherwise):
 *
 * <ul>
 *   <li><b>direct</b>: plain HTTP to the registry on {@code 127.0.0.1:5000} inside the pod, no TLS,
 *       no authentication - what no client outside the pod can do;
 *   <li><b>Basic</b> ({@code spec.auth.mode: Basic}): through nginx on port 15000 by the Service's
 *       name, TLS verified against the published CA, basic credentials of the user's pull Secret on
 *       every request, checked by the auth server through nginx's {@code auth_request} (one bcrypt
 *       per user, then its verified-credential cache);
 *   <li><b>Token</b> ({@code spec.auth.mode: Token}): the same registry switched to Token mode
 *       (Deployment rolled, data kept): through nginx, the registry checks bearer JWTs itself, and
 *       the auth server issues them at {@code /token}.
 * </ul>
 *
 * The registry starts in Basic mode; direct and Basic are measured on that pod (alternating who
 * goes first), then it is switched to Token and Token is measured on the new pod. Direct needs the
 * Basic pod: in Token mode the registry itself refuses requests without a token. All clients run
 * inside the pod's network namespace, so the network path is loopback in every case and the
 * difference is the proxy's and the authentication's alone.
 *
 * <p>Measured: push and pull of an image with one random (incompressible) layer, a new image every
 * round so nothing is skipped as already present, best of the rounds; {@code heads} sequential
 * HEADs of that layer by one curl on one keep-alive connection (Token: one token for the pull scope
 * first, then {@code Authorization: Bearer} on each, as clients do); and with wrk, {@code
 * connections} keep-alive connections on {@code threads} threads for {@code seconds} each, {@code
 * GET /v2/} and HEADs of a blob (see {@link BenchWrk} on why an empty one), while the CPU time of
 * every container and the auth server's resident memory are sampled. Also reported: the auth
 * server's start-up (container start to its "listening" log line, written once its files loaded,
 * from which on /healthz answers 200).
 */
@ExtendWith(EndToEndMachine.class)
class ProxyBenchmark {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final long MIB = 1 << 20;
  private static final long LAYER_MIB = Long.getLong("benchmark.layerMiB", 256);
  private static final int ROUNDS = Integer.getInteger("benchmark.rounds", 3);
  private static final int HEADS = Integer.getInteger("benchmark.heads", 200);
  private static final int COST = Integer.getInteger("benchmark.cost", 10);
  private static final Duration LOAD =
      Duration.ofSeconds(Integer.getInteger("benchmark.seconds", 20));
  private static final Duration WARMUP =
      Duration.ofSeconds(Integer.getInteger("benchmark.warmupSeconds", 3));
  private static final int THREADS = Integer.getInteger("benchmark.threads", 2);
  private static final int CONNECTIONS = Integer.getInteger("benchmark.connections", 32);
  private static final Duration TIMEOUT = Duration.ofMinutes(10);
  private static final String DIRECT = "127.0.0.1:5000";
  private static final String USER = "bench";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The digest of zero bytes: the blob wrk can HEAD. */
  private static final String EMPTY_BLOB =
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  private static final String EMPTY_REPOSITORY = "bench/empty";

  private static final List<String> CONTAINERS =
      List.of(
          RegistryDeployment.REGISTRY_CONTAINER,
          RegistryDeployment.PROXY_CONTAINER,
          RegistryDeployment.AUTH_CONTAINER);

  /**
   * The direct path is plain HTTP on the pod's loopback: there is no TLS to verify, and skopeo
   * speaks plain HTTP only with verification off. Only ever used on the direct path.
   */
  private static final String PLAIN_HTTP_DIRECT_PATH_ONLY_DEST = "--dest-tls-verify=false";

  private static final String PLAIN_HTTP_DIRECT_PATH_ONLY_SRC = "--src-tls-verify=false";

  private enum Mode {
    DIRECT("direct"),
    BASIC("Basic"),
    TOKEN("Token");

    final String label;

    Mode(String label) {
      this.label = label;
    }
  }

  private enum Endpoint {
    BASE("GET", "/v2/", "wrk GET /v2/"),
    BLOB("HEAD", "/v2/" + EMPTY_REPOSITORY + "/blobs/" + EMPTY_BLOB, "wrk HEAD blob");

    final String method;
    final String path;
    final String label;

    Endpoint(String method, String path, String label) {
      this.method = method;
      this.path = path;
      this.label = label;
    }
  }

  @TempDir Path work;

  private OperatedRegistry registry;
  private Skopeo skopeo;
  private Path authFile;
  private String password;

  private final Map<Mode, List<Double>> pushes = new EnumMap<>(Mode.class);
  private final Map<Mode, List<Double>> pulls = new EnumMap<>(Mode.class);
  private final Map<Mode, Pushed> lastPushed = new EnumMap<>(Mode.class);
  private final Map<Mode, Heads> heads = new EnumMap<>(Mode.class);
  private final Map<Mode, Map<Endpoint, Load>> loads = new EnumMap<>(Mode.class);
  private final Map<Mode, Startup> startups = new EnumMap<>(Mode.class);

  /** Requests nginx logged for the last push and pull through it, per mode. */
  private final Map<Mode, long[]> proxiedRequests = new EnumMap<>(Mode.class);

  private double switchSeconds;

  /** Cores busy on the machine just before the benchmark started: should be near 0. */
  private double busyBefore;

  @Test
  void directVersusBasicVersusToken() {
    BenchWrk.requireInstalled();
    busyBefore = BenchProc.machineBusyCores(Duration.ofSeconds(3));
    registry =
        OperatedRegistry.start(
            API, work, "bench", "spec: {auth: {mode: Basic, bcryptCost: " + COST + "}}");
    try {
      skopeo = Skopeo.withHome(work.resolve("skopeo"));
      registry.createUser(USER, "");
      registry.awaitUserReady(USER);
      password = registry.generatedPassword(USER);
      registry.awaitLogin(USER, password, 200);
      authFile = registry.authFileOf(USER);
      startups.put(Mode.BASIC, authStartup());
      pushEmptyBlob();

      // The Basic pod: direct and Basic, alternating who goes first.
      for (int round = 1; round <= ROUNDS; round++) {
        List<Mode> order =
            round % 2 == 1 ? List.of(Mode.DIRECT, Mode.BASIC) : List.of(Mode.BASIC, Mode.DIRECT);
        for (Mode mode : order) {
          pushAndPull(round, mode);
        }
      }
      heads.put(Mode.DIRECT, heads(Mode.DIRECT));
      heads.put(Mode.BASIC, heads(Mode.BASIC));
      loads.put(Mode.DIRECT, load(Mode.DIRECT));
      loads.put(Mode.BASIC, load(Mode.BASIC));

      // The same registry in Token mode: a new pod on the same data.
      long started = System.nanoTime();
      registry.editRegistry(r -> r.getSpec().auth.mode = AuthMode.Token);
      registry.replacePod();
      switchSeconds = (System.nanoTime() - started) / 1e9;
      startups.put(Mode.TOKEN, authStartup());
      for (int round = 1; round <= ROUNDS; round++) {
        pushAndPull(round, Mode.TOKEN);
      }
      heads.put(Mode.TOKEN, heads(Mode.TOKEN));
      loads.put(Mode.TOKEN, load(Mode.TOKEN));

      print();
    } finally {
      registry.close();
    }
  }

  // --- push and pull ---------------------------------------------------------------------------

  /** A pushed image: the repository it went to and its layer. */
  private record Pushed(String repository, String layerDigest) {}

  private void pushAndPull(int round, Mode mode) {
    String name = mode.label.toLowerCase(Locale.ROOT);
    OciImages.OciImage image =
        OciImages.withRandomLayer(
            work.resolve("image-" + name + "-" + round), "v1", LAYER_MIB * MIB);
    String repository = "bench/" + name + "-" + round;
    Path pulled = work.resolve("pulled-" + name + "-" + round);
    boolean direct = mode == Mode.DIRECT;
    String remote =
        (direct ? "docker://" + DIRECT + "/" + repository : registry.proxyReference(repository))
            + ":v1";

    long logged = direct ? 0 : proxyAccessLogLines();
    pushes
        .computeIfAbsent(mode, m -> new ArrayList<>())
        .add(
            timed(
                direct
                    ? () ->
                        skopeo.insidePod(
                            registry.pod(),
                            TIMEOUT,
                            "copy",
                            PLAIN_HTTP_DIRECT_PATH_ONLY_DEST,
                            image.reference(),
                            remote)
                    : () ->
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
                            remote)));
    long pushRequests = direct ? 0 : proxyAccessLogLines() - logged;
    logged = direct ? 0 : proxyAccessLogLines();
    pulls
        .computeIfAbsent(mode, m -> new ArrayList<>())
        .add(
            timed(
                direct
                    ? () ->
                        skopeo.insidePod(
                            registry.pod(),
                            TIMEOUT,
                            "copy",
                            PLAIN_HTTP_DIRECT_PATH_ONLY_SRC,
                            remote,
                            "oci:" + pulled + ":v1")
                    : () ->
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
                            "oci:" + pulled + ":v1")));
    if (!direct) {
      proxiedRequests.put(mode, new long[] {pushRequests, proxyAccessLogLines() - logged});
    }
    // Outside the timing: what came back is what went in.
    assertThat(OciImages.digest(OciImages.blob(pulled, image.layerDigest())))
        .isEqualTo(image.layerDigest());
    deleteQuietly(image.layout());
    deleteQuietly(pulled);
    lastPushed.put(mode, new Pushed(repository, image.layerDigest()));
  }

  /** nginx logs every request of /v2/ and /token to its stdout (probes are not logged). */
  private long proxyAccessLogLines() {
    return registry
        .pod()
        .logs(RegistryDeployment.PROXY_CONTAINER)
        .lines()
        .filter(line -> line.contains(" /v2/") || line.contains(" /token"))
        .count();
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

  // --- sequential HEADs ------------------------------------------------------------------------

  private record Heads(double wallSeconds, double requestSeconds, int connections) {}

  /**
   * {@link #HEADS} sequential HEADs of the last pushed layer by one curl: one connection (and
   * through the proxy one TLS handshake) for all of them, with the credentials a client sends on
   * every request: basic credentials (Basic) or one bearer token fetched first (Token).
   */
  private Heads heads(Mode mode) {
    Pushed pushed = lastPushed.get(mode);
    String url = base(mode) + "/v2/" + pushed.repository() + "/blobs/" + pushed.layerDigest();
    StringBuilder config = new StringBuilder();
    for (int i = 0; i < HEADS; i++) {
      config.append("url = \"").append(url).append("\"\noutput = \"/dev/null\"\n");
    }
    Path configFile = work.resolve("heads-" + mode.label + ".curlrc");
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
    if (mode != Mode.DIRECT) {
      command.addAll(List.of("--cacert", registry.caDir().resolve("ca.crt").toString()));
    }
    if (mode == Mode.BASIC) {
      command.addAll(List.of("-u", USER + ":" + password));
    } else if (mode == Mode.TOKEN) {
      command.addAll(List.of("-H", "Authorization: Bearer " + token(pushed.repository())));
    }
    Map<String, String> environment = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    long started = System.nanoTime();
    HostCommand.Result result = registry.dns().run(TIMEOUT, environment, command);
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

  // --- concurrent load -------------------------------------------------------------------------

  /** One wrk run and what the pod's containers spent on it. */
  private record Load(BenchWrk.Result wrk, BenchProc.CpuSample cpu, long authRssKib) {}

  private Map<Endpoint, Load> load(Mode mode) {
    String authorization =
        switch (mode) {
          case DIRECT -> null;
          case BASIC ->
              "Basic "
                  + Base64.getEncoder()
                      .encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
          case TOKEN -> "Bearer " + token(EMPTY_REPOSITORY);
        };
    Path script = work.resolve("wrk-" + mode.label + ".lua");
    if (!WARMUP.isZero()) {
      BenchWrk.Result warm =
          BenchWrk.run(
              registry.pod(),
              registry.dns(),
              script,
              Endpoint.BLOB.method,
              base(mode) + Endpoint.BLOB.path,
              authorization,
              THREADS,
              CONNECTIONS,
              WARMUP);
      assertThat(warm.requests()).as("warm-up requests, %s", mode.label).isPositive();
    }
    Map<Endpoint, Load> results = new EnumMap<>(Endpoint.class);
    long authPid = BenchProc.javaPid(registry.pod(), RegistryDeployment.AUTH_CONTAINER);
    for (Endpoint endpoint : Endpoint.values()) {
      BenchProc.CpuSample before = BenchProc.cpu(registry.pod(), CONTAINERS);
      BenchWrk.Result result;
      long rss;
      try (BenchProc.RssSampler sampler = new BenchProc.RssSampler(authPid)) {
        result =
            BenchWrk.run(
                registry.pod(),
                registry.dns(),
                script,
                endpoint.method,
                base(mode) + endpoint.path,
                authorization,
                THREADS,
                CONNECTIONS,
                LOAD);
        rss = sampler.maxKib();
      }
      BenchProc.CpuSample spent = BenchProc.cpu(registry.pod(), CONTAINERS).minus(before);
      assertThat(result.requests()).as("%s %s", mode.label, endpoint.label).isPositive();
      assertThat(result.non2xx())
          .as("%s %s: answers other than 2xx/3xx", mode.label, endpoint.label)
          .isZero();
      results.put(endpoint, new Load(result, spent, rss));
    }
    return results;
  }

  // --- helpers ---------------------------------------------------------------------------------

  private String base(Mode mode) {
    return mode == Mode.DIRECT ? "http://" + DIRECT : "https://" + registry.proxyHost();
  }

  /**
   * Uploads the empty blob to {@link #EMPTY_REPOSITORY} (an upload started by POST and finished by
   * PUT with the digest, as registry 2.8 wants it), directly: the registry is in Basic mode, so it
   * has no authentication of its own.
   */
  private void pushEmptyBlob() {
    HostCommand.Result started =
        registry
            .pod()
            .execInNetwork(
                Duration.ofSeconds(20),
                "/usr/bin/curl",
                "-sS",
                "-o",
                "/dev/null",
                "-D",
                "-",
                "-X",
                "POST",
                "http://" + DIRECT + "/v2/" + EMPTY_REPOSITORY + "/blobs/uploads/")
            .orThrow();
    String location =
        started
            .stdout()
            .lines()
            .filter(line -> line.toLowerCase(Locale.ROOT).startsWith("location:"))
            .map(line -> line.substring("location:".length()).trim())
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no upload location\n" + started));
    if (location.startsWith("/")) {
      location = "http://" + DIRECT + location;
    }
    HostCommand.Result finished =
        registry
            .pod()
            .execInNetwork(
                Duration.ofSeconds(20),
                "/usr/bin/curl",
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-X",
                "PUT",
                "-H",
                "Content-Type: application/octet-stream",
                "--data-binary",
                "",
                location + (location.contains("?") ? "&" : "?") + "digest=" + EMPTY_BLOB)
            .orThrow();
    assertThat(finished.stdout()).as(finished.toString()).isEqualTo("201");
  }

  /** A bearer token for pulls from the repository, fetched with basic credentials at /token. */
  private String token(String repository) {
    String url =
        "/token?service="
            + URLEncoder.encode(
                registry.names().inClusterHost(registry.namespace()), StandardCharsets.UTF_8)
            + "&scope="
            + URLEncoder.encode("repository:" + repository + ":pull", StandardCharsets.UTF_8);
    AtomicReference<String> token = new AtomicReference<>();
    OperatedRegistry.await("a token for " + repository)
        .ignoreExceptions()
        .until(
            () -> {
              JsonNode answer = JSON.readTree(registry.body(url, USER, password));
              token.set(answer.get("token").asText());
              return true;
            });
    return token.get();
  }

  /** The auth server's start: when its container started and when it logged "listening". */
  private record Startup(double toListeningSeconds) {}

  private Startup authStartup() {
    long pid = BenchProc.javaPid(registry.pod(), RegistryDeployment.AUTH_CONTAINER);
    long started = BenchProc.startedEpochMillis(pid);
    String line =
        registry
            .pod()
            .logs(RegistryDeployment.AUTH_CONTAINER)
            .lines()
            .filter(l -> l.contains("auth server listening on"))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("the auth server never said it listens"));
    long listening =
        OffsetDateTime.parse(
                line.split(" ", 2)[0], DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ"))
            .toInstant()
            .toEpochMilli();
    return new Startup((listening - started) / 1000.0);
  }

  // --- the table -------------------------------------------------------------------------------

  private static final String ROW = "%-30s | %-26s | %-26s | %-26s | %-12s | %-12s%n";

  private void print() {
    StringBuilder table = new StringBuilder("\n");
    table.append(
        String.format(
            Locale.ROOT,
            "Registry benchmark: direct vs Basic vs Token. %d MiB image (one random layer), best of"
                + " %d round(s); %d sequential HEADs; wrk %d thread(s) x %d connections, %d s per"
                + " run after %d s warm-up; bcrypt cost %d; %d CPU(s); every client inside the"
                + " pod's network namespace%n",
            LAYER_MIB,
            ROUNDS,
            HEADS,
            THREADS,
            CONNECTIONS,
            LOAD.toSeconds(),
            WARMUP.toSeconds(),
            COST,
            Runtime.getRuntime().availableProcessors()));
    table.append(
        String.format(
            Locale.ROOT,
            "(machine busy before the run: %.2f cores%s)%n",
            busyBefore,
            busyBefore > 0.2 ? " - OTHER WORK IS RUNNING, the figures are skewed" : ""));
    table.append(
        String.format(
            Locale.ROOT,
            ROW,
            "",
            "direct  http://" + DIRECT,
            "Basic  https :15000",
            "Token  https :15000",
            "Basic/direct",
            "Token/direct"));
    table.append(
        String.join(
                "-+-",
                "-".repeat(30),
                "-".repeat(26),
                "-".repeat(26),
                "-".repeat(26),
                "-".repeat(12),
                "-".repeat(12))
            + "\n");
    table.append(transferRow("push (skopeo oci: -> docker:)", pushes));
    table.append(transferRow("pull (skopeo docker: -> oci:)", pulls));
    table.append(
        String.format(
            Locale.ROOT,
            ROW,
            HEADS + " x HEAD blob, one curl",
            headsCell(Mode.DIRECT),
            headsCell(Mode.BASIC),
            headsCell(Mode.TOKEN),
            ratio(heads.get(Mode.BASIC).wallSeconds() / heads.get(Mode.DIRECT).wallSeconds()),
            ratio(heads.get(Mode.TOKEN).wallSeconds() / heads.get(Mode.DIRECT).wallSeconds())));
    for (Endpoint endpoint : Endpoint.values()) {
      double direct = rate(Mode.DIRECT, endpoint);
      table.append(
          String.format(
              Locale.ROOT,
              ROW,
              endpoint.label + " (req/s, p50/p99)",
              loadCell(Mode.DIRECT, endpoint),
              loadCell(Mode.BASIC, endpoint),
              loadCell(Mode.TOKEN, endpoint),
              ratio(rate(Mode.BASIC, endpoint) / direct),
              ratio(rate(Mode.TOKEN, endpoint) / direct)));
    }
    table.append(
        "(push/pull and HEAD ratios: time, lower is better; wrk ratios: request rate, higher is"
            + " better)\n");
    table.append(
        String.format(
            Locale.ROOT,
            "(rounds, s: %s)%n",
            String.join(
                "; ",
                List.of(Mode.values()).stream()
                    .map(
                        m ->
                            m.label
                                + " push "
                                + seconds(pushes.get(m))
                                + " pull "
                                + seconds(pulls.get(m)))
                    .toList())));
    table.append(
        String.format(
            Locale.ROOT,
            "(requests through nginx for one push / pull: Basic %d / %d, Token %d / %d; HEAD"
                + " connections opened: direct %d, Basic %d, Token %d)%n",
            proxiedRequests.get(Mode.BASIC)[0],
            proxiedRequests.get(Mode.BASIC)[1],
            proxiedRequests.get(Mode.TOKEN)[0],
            proxiedRequests.get(Mode.TOKEN)[1],
            heads.get(Mode.DIRECT).connections(),
            heads.get(Mode.BASIC).connections(),
            heads.get(Mode.TOKEN).connections()));

    table.append(
        "\nCPU under wrk load, microseconds of CPU per request (cores busy in brackets; the machine"
            + " has "
            + Runtime.getRuntime().availableProcessors()
            + "; 'outside' is every other process on the machine and interrupt time, which should be"
            + " near 0):\n");
    for (Endpoint endpoint : Endpoint.values()) {
      for (Mode mode : Mode.values()) {
        Load load = loads.get(mode).get(endpoint);
        BenchProc.CpuSample cpu = load.cpu();
        double requests = load.wrk().requests();
        double seconds = load.wrk().seconds();
        StringBuilder line =
            new StringBuilder(
                String.format(
                    Locale.ROOT, "  %-14s %-7s", endpoint.label.substring(4), mode.label));
        double containers = 0;
        for (Map.Entry<String, Double> entry : cpu.containers().entrySet()) {
          containers += entry.getValue();
          line.append(
              String.format(
                  Locale.ROOT,
                  " %s %5.0f (%.2f)",
                  entry.getKey(),
                  1e6 * entry.getValue() / requests,
                  entry.getValue() / seconds));
        }
        double clients = cpu.ownTree() - containers;
        double outside = cpu.machineBusy() - cpu.ownTree();
        line.append(
            String.format(
                Locale.ROOT,
                " | wrk+test JVM+API server %5.0f (%.2f) | outside %5.0f (%.2f) | idle %.2f%n",
                1e6 * clients / requests,
                clients / seconds,
                1e6 * outside / requests,
                outside / seconds,
                (cpu.machineTotal() - cpu.machineBusy()) / seconds));
        table.append(line);
      }
    }

    table.append("\nAuth server:\n");
    for (Mode mode : List.of(Mode.BASIC, Mode.TOKEN)) {
      long pid;
      long hwm = -1;
      if (mode == Mode.TOKEN) {
        pid = BenchProc.javaPid(registry.pod(), RegistryDeployment.AUTH_CONTAINER);
        hwm = BenchProc.statusKib(pid, "VmHWM");
      }
      table.append(
          String.format(
              Locale.ROOT,
              "  %-6s RSS under load (max VmRSS sampled every 100 ms): GET /v2/ %.1f MiB, HEAD blob"
                  + " %.1f MiB%s; start-up (container start to \"listening\", files loaded) %.2f s%n",
              mode.label,
              loads.get(mode).get(Endpoint.BASE).authRssKib() / 1024.0,
              loads.get(mode).get(Endpoint.BLOB).authRssKib() / 1024.0,
              hwm < 0 ? "" : String.format(Locale.ROOT, "; VmHWM %.1f MiB", hwm / 1024.0),
              startups.get(mode).toListeningSeconds()));
    }
    table.append(
        String.format(
            Locale.ROOT,
            "  switching Basic -> Token (edit the spec -> new pod ready, incl. the operator's 2 s"
                + " settle wait): %.1f s%n",
            switchSeconds));

    table.append("\nTargets:\n");
    for (Endpoint endpoint : Endpoint.values()) {
      double direct = rate(Mode.DIRECT, endpoint);
      table.append(
          target(
              endpoint.label + " Basic >= 0.5x direct",
              rate(Mode.BASIC, endpoint) / direct >= 0.5,
              rate(Mode.BASIC, endpoint) / direct));
      table.append(
          target(
              endpoint.label + " Token >= 0.7x direct",
              rate(Mode.TOKEN, endpoint) / direct >= 0.7,
              rate(Mode.TOKEN, endpoint) / direct));
    }
    for (Mode mode : List.of(Mode.BASIC, Mode.TOKEN)) {
      double push = best(pushes.get(mode)) / best(pushes.get(Mode.DIRECT));
      double pull = best(pulls.get(mode)) / best(pulls.get(Mode.DIRECT));
      table.append(target("push " + mode.label + " <= 1.3x direct", push <= 1.3, push));
      table.append(target("pull " + mode.label + " <= 1.3x direct", pull <= 1.3, pull));
    }
    System.out.println(table);
  }

  private static String target(String what, boolean met, double ratio) {
    return String.format(Locale.ROOT, "  %-36s %.2fx  %s%n", what, ratio, met ? "met" : "MISSED");
  }

  private String transferRow(String label, Map<Mode, List<Double>> times) {
    double direct = best(times.get(Mode.DIRECT));
    double basic = best(times.get(Mode.BASIC));
    double token = best(times.get(Mode.TOKEN));
    return String.format(
        Locale.ROOT,
        ROW,
        label,
        transferCell(direct),
        transferCell(basic),
        transferCell(token),
        ratio(basic / direct),
        ratio(token / direct));
  }

  private static String transferCell(double seconds) {
    return String.format(Locale.ROOT, "%.2f s (%.0f MiB/s)", seconds, LAYER_MIB / seconds);
  }

  private String headsCell(Mode mode) {
    Heads h = heads.get(mode);
    return String.format(
        Locale.ROOT, "%.2f s (%.2f ms/req)", h.wallSeconds(), 1000 * h.requestSeconds() / HEADS);
  }

  private double rate(Mode mode, Endpoint endpoint) {
    return loads.get(mode).get(endpoint).wrk().requestsPerSecond();
  }

  private String loadCell(Mode mode, Endpoint endpoint) {
    BenchWrk.Result r = loads.get(mode).get(endpoint).wrk();
    return String.format(
        Locale.ROOT, "%.0f/s %.1f/%.1f ms", r.requestsPerSecond(), r.p50Millis(), r.p99Millis());
  }

  private static String ratio(double value) {
    return String.format(Locale.ROOT, "%.2fx", value);
  }

  private static double best(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
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
