package dev.registryoperator.scale;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.api.v1alpha1.RegistryUserSpec.SecretKeyRef;
import dev.registryoperator.it.RealApiServer;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.testing.ProcFs;
import dev.registryoperator.user.model.PasswordHasher;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Benchmark, not a test (its name ends in neither Test nor IT, so neither Surefire nor Failsafe
 * picks it up by default): the operator at scale, on the real API server, with figures side by side
 * with the targets of issue 12. Needs the shaded jar and the control plane of {@code
 * scripts/provision-control-plane.sh}:
 *
 * <pre>{@code
 * mvn -o -B package -DskipTests && mvn -o -B test -Dtest=ScaleBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * }</pre>
 *
 * A quick run: {@code -Dbenchmark.burst=20 -Dbenchmark.registries=40 -Dbenchmark.users=100
 * -Dbenchmark.unrelatedSecrets=100 -Dbenchmark.idleSeconds=10 -Dbenchmark.resync=false}.
 *
 * <p>The operator runs as its own process from target/registry-operator.jar, with {@code
 * JAVA_TOOL_OPTIONS} of deploy/operator/deployment.yaml and its 512Mi memory limit ({@link
 * MemoryLimit}), all namespaces, no leader election (one replica). Its requests are counted in the
 * API server's audit log ({@link OperatorRequests}); its bcrypt operations and reconciles are read
 * from its own /metrics; memory and CPU from /proc. A stand-in plays the Deployment controller
 * ({@link DeploymentControllerStandIn}): the API server runs without controller-manager.
 *
 * <ul>
 *   <li><b>A</b>: {@code burst} PrivateRegistrys created at once: time until all are Ready, the
 *       operator's requests until then, and its requests in the {@code idleSeconds} after.
 *   <li><b>B</b>: the cluster grows to {@code registries} registries, {@code users} users (one per
 *       registry in turn; every other one with a password Secret of its own, the others with a
 *       generated password) and {@code unrelatedSecrets} Secrets the operator has nothing to do
 *       with (1 KiB each), spread over namespaces of {@code registriesPerNamespace} registries.
 *       Time until all are Ready, bcrypt operations, the operator's memory once settled.
 *   <li><b>Resync</b> ({@code resync=true}): JOSDK reconciles every resource again 10 minutes after
 *       its last reconcile ({@code maxReconciliationInterval} of both reconcilers); the benchmark
 *       waits for that pass and reports what it cost.
 *   <li><b>Restart</b>: the operator is stopped (SIGTERM) and started again: time until it has
 *       reconciled everything and gone quiet, its requests and bcrypt operations meanwhile.
 * </ul>
 *
 * The assertions only guard what the design promises: exactly one bcrypt per user, none in a resync
 * or a restart. Speed and memory are printed against their targets, not asserted.
 */
class ScaleBenchmark {

  private static final int BURST = Integer.getInteger("benchmark.burst", 200);
  private static final int REGISTRIES = Integer.getInteger("benchmark.registries", 1000);
  private static final int USERS = Integer.getInteger("benchmark.users", 10_000);
  private static final int UNRELATED_SECRETS =
      Integer.getInteger("benchmark.unrelatedSecrets", 10_000);
  private static final int REGISTRIES_PER_NAMESPACE =
      Integer.getInteger("benchmark.registriesPerNamespace", 10);
  private static final int COST = Integer.getInteger("benchmark.cost", 4);
  private static final Duration IDLE =
      Duration.ofSeconds(Integer.getInteger("benchmark.idleSeconds", 60));
  private static final Duration QUIET =
      Duration.ofSeconds(Integer.getInteger("benchmark.quietSeconds", 5));
  private static final boolean RESYNC =
      Boolean.parseBoolean(System.getProperty("benchmark.resync", "true"));
  private static final int CLIENT_THREADS = Integer.getInteger("benchmark.clientThreads", 8);

  /** deploy/operator/deployment.yaml's limit; more only to profile what the operator would need. */
  private static final long MEMORY_LIMIT = Long.getLong("benchmark.memoryLimitMiB", 512) << 20;

  /**
   * Added to the operator's JAVA_TOOL_OPTIONS to profile it, e.g. -XX:NativeMemoryTracking=summary
   * or -XX:StartFlightRecording=filename=target/scale-benchmark/operator-{run}.jfr ({run}: 1, then
   * 2 after the restart).
   */
  private static final String OPERATOR_JAVA_OPTIONS =
      System.getProperty("benchmark.operatorJavaOptions", "");

  private static final Path JAR =
      Path.of(System.getProperty("benchmark.jar", "target/registry-operator.jar"));

  private static final Duration TIMEOUT = Duration.ofMinutes(30);
  private static final Duration RESYNC_TIMEOUT = Duration.ofMinutes(15);
  private static final double A_READY_TARGET_SECONDS = 10;
  private static final double RSS_TARGET_MIB = 256;
  private static final String RECONCILES_STARTED = "operator_sdk_reconciliations_started_total";
  private static final String BCRYPT = PasswordHasher.OPERATIONS + "_total";

  private static final Path WORK = Path.of("target", "scale-benchmark");

  /** Every registry has two Services; kube-api-test's range holds 254. */
  private static final String SERVICE_IP_RANGE = "--service-cluster-ip-range=10.0.0.0/16";

  @RegisterExtension
  static final RealApiServer API =
      new RealApiServer(List.of(SERVICE_IP_RANGE, OperatorRequests.NO_ROTATION));

  /** The operator's requests, read from the server's audit log; set once the server runs. */
  private static OperatorRequests requests;

  private final SecureRandom random = new SecureRandom();
  private final Report report = new Report();
  private final List<String> namespaces = new ArrayList<>();
  private KubernetesClient kube;
  private Path kubeconfig;
  private MemoryLimit memory;
  private MeasuredOperator operator;
  private int operatorRuns;

  @Test
  void operatorAtScale() throws Exception {
    assertThat(BURST)
        .as("benchmark.burst must not exceed benchmark.registries")
        .isLessThanOrEqualTo(REGISTRIES);
    kube = API.client();
    report.machine(ProcFs.machineBusyCores(Duration.ofSeconds(3)), ProcFs.loadAverage());
    for (int n = 0;
        n < (REGISTRIES + REGISTRIES_PER_NAMESPACE - 1) / REGISTRIES_PER_NAMESPACE;
        n++) {
      namespaces.add(API.newNamespace("scale"));
    }
    requests = new OperatorRequests(API.operatorAuditLog());
    kubeconfig = WORK.resolve("operator-kubeconfig.yaml");
    Files.createDirectories(kubeconfig.getParent());
    Files.writeString(kubeconfig, API.operatorKubeConfigYaml());
    memory =
        MemoryLimit.of(MEMORY_LIMIT, "registry-operator-scale-" + ProcessHandle.current().pid());
    report.limit(memory.describe());
    try (var standIn = DeploymentControllerStandIn.start(kube);
        var registries = new ReadyCount<>(kube, PrivateRegistry.class);
        var users = new ReadyCount<>(kube, RegistryUser.class)) {
      startOperator();
      phaseA(registries);
      phaseB(registries, users);
      if (RESYNC) {
        resync();
      }
      restart();
      report.standInWrites(standIn.writes());
    } finally {
      // What was measured is printed even when a phase failed.
      if (operator != null) {
        operator.stop();
      }
      report.oomKills(memory.oomKills());
      memory.close();
      report.machineAfter(ProcFs.loadAverage());
      // The server logs a watch only when it ends: with the operator gone, every one is in the log.
      MeasuredOperator.sleep(Duration.ofSeconds(2));
      report.print();
    }
  }

  /** A: BURST registries created at once. */
  private void phaseA(ReadyCount<PrivateRegistry> registries) throws Exception {
    Usage before = Usage.now(operator);
    Instant start = Instant.now();
    parallel(BURST, i -> kube.resource(registry(i)).create());
    Instant created = Instant.now();
    Instant allReady = registries.await(BURST, TIMEOUT, this::operatorAlive);
    Usage atReady = Usage.now(operator);
    Instant idleEnd = allReady.plus(IDLE);
    MeasuredOperator.sleep(Duration.between(Instant.now(), idleEnd));
    report.phaseA(
        seconds(start, created),
        seconds(start, allReady),
        new Window(start, allReady),
        new Window(allReady, idleEnd),
        atReady.minus(before));
  }

  /** B: the cluster grows to REGISTRIES registries, USERS users and UNRELATED_SECRETS Secrets. */
  private void phaseB(ReadyCount<PrivateRegistry> registries, ReadyCount<RegistryUser> users)
      throws Exception {
    Usage before = Usage.now(operator);
    double bcryptBefore = operator.metric(BCRYPT);
    Instant start = Instant.now();
    parallel(REGISTRIES - BURST, i -> kube.resource(registry(BURST + i)).create());
    parallel(UNRELATED_SECRETS, i -> kube.resource(unrelatedSecret(i)).create());
    parallel(
        USERS,
        i -> {
          if (hasOwnPasswordSecret(i)) {
            kube.resource(passwordSecret(i)).create();
          }
          kube.resource(user(i)).create();
        });
    Instant created = Instant.now();
    Instant registriesReady = registries.await(REGISTRIES, TIMEOUT, this::operatorAlive);
    Instant usersReady = users.await(USERS, TIMEOUT, this::operatorAlive);
    Instant allReady = registriesReady.isAfter(usersReady) ? registriesReady : usersReady;
    Instant settled = awaitQuiet(TIMEOUT);
    Usage atSettled = Usage.now(operator);
    long bcrypt = Math.round(operator.metric(BCRYPT) - bcryptBefore);
    double rss = operator.rssMib();
    double peak = operator.peakRssMib();
    String nativeMemory =
        OPERATOR_JAVA_OPTIONS.contains("NativeMemoryTracking")
            ? operator.jcmd("VM.native_memory summary")
            : null;
    String heap = operator.heapAfterGc();
    String histogram = top(operator.jcmd("GC.class_histogram"), 25);
    double rssAfterGc = operator.rssMib();
    report.phaseB(
        seconds(start, created),
        seconds(start, allReady),
        new Window(start, settled),
        bcrypt,
        rss,
        peak,
        rssAfterGc,
        heap,
        histogram,
        nativeMemory,
        memory.failures(),
        atSettled.minus(before));
    assertThat(bcrypt)
        .as("bcrypt operations while %d users were created: one per user", USERS)
        .isEqualTo(USERS);
  }

  /** The periodic pass JOSDK makes 10 minutes after each resource's last reconcile. */
  private void resync() {
    Usage before = Usage.now(operator);
    double bcryptBefore = operator.metric(BCRYPT);
    double reconcilesBefore = operator.metric(RECONCILES_STARTED);
    double wanted = reconcilesBefore + REGISTRIES + USERS;
    Instant waitStart = Instant.now();
    Instant first = null;
    long deadline = System.nanoTime() + RESYNC_TIMEOUT.toNanos();
    double reconciles = reconcilesBefore;
    while (reconciles < wanted) {
      operatorAlive();
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            String.format(
                "the resync reconciled %.0f of %d resources within %s",
                reconciles - reconcilesBefore, REGISTRIES + USERS, RESYNC_TIMEOUT));
      }
      MeasuredOperator.sleep(Duration.ofSeconds(1));
      reconciles = operator.metric(RECONCILES_STARTED);
      if (first == null && reconciles > reconcilesBefore) {
        first = Instant.now().minusSeconds(1);
      }
    }
    Instant done = Instant.now();
    Instant settled = awaitQuiet(TIMEOUT);
    Usage after = Usage.now(operator);
    long bcrypt = Math.round(operator.metric(BCRYPT) - bcryptBefore);
    report.resync(
        seconds(waitStart, first),
        seconds(first, done),
        new Window(first, settled),
        bcrypt,
        operator.rssMib(),
        after.minus(before));
    assertThat(bcrypt).as("bcrypt operations in a resync with no password changed").isZero();
  }

  /** The operator stopped (SIGTERM) and started again. */
  private void restart() {
    Instant stopping = Instant.now();
    operator.stop();
    Instant stopped = Instant.now();
    Usage before = Usage.now(null);
    startOperator();
    Instant start = operator.started();
    double wanted = REGISTRIES + USERS;
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (operator.metric(RECONCILES_STARTED) < wanted) {
      operatorAlive();
      if (System.nanoTime() > deadline) {
        throw new AssertionError("after the restart, not every resource was reconciled in time");
      }
      MeasuredOperator.sleep(Duration.ofMillis(200));
    }
    Instant allReconciled = Instant.now();
    Instant settled = awaitQuiet(TIMEOUT);
    Usage after = Usage.now(operator);
    long bcrypt = Math.round(operator.metric(BCRYPT));
    report.restart(
        seconds(stopping, stopped),
        seconds(start, allReconciled),
        new Window(start, settled),
        bcrypt,
        operator.rssMib(),
        operator.peakRssMib(),
        after.minus(before));
    assertThat(bcrypt).as("bcrypt operations of the restarted operator").isZero();
  }

  /** Fails the run at once when the operator process has ended, saying how. */
  private void operatorAlive() {
    if (!operator.isAlive()) {
      throw new AssertionError(
          String.format(
              "the operator process ended with exit code %d; the kernel killed %d process(es)"
                  + " for the %d MiB memory limit; see %s",
              operator.exitCode(), memory.oomKills(), MEMORY_LIMIT >> 20, operator.logFile()));
    }
  }

  private void startOperator() {
    operatorRuns++;
    Path log = WORK.resolve("operator-" + operatorRuns + ".log");
    try {
      Files.deleteIfExists(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    operator =
        MeasuredOperator.start(
            JAR,
            kubeconfig,
            memory,
            OPERATOR_JAVA_OPTIONS.replace("{run}", Integer.toString(operatorRuns)),
            log);
    Instant up = operator.awaitStarted(Duration.ofMinutes(5));
    report.started(operatorRuns, seconds(operator.started(), up), operator.rssMib(), log);
  }

  /**
   * Waits until the operator has sent no request for QUIET and returns that moment. (A watch is
   * logged only when it ends, so an open one cannot be seen here; the report, printed once the
   * operator has stopped, sees them all.)
   */
  private Instant awaitQuiet(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!requests.quietFor(QUIET)) {
      operatorAlive();
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the operator did not go quiet for " + QUIET + " in " + timeout);
      }
      MeasuredOperator.sleep(Duration.ofMillis(500));
    }
    return Instant.now();
  }

  private String namespaceOfRegistry(int registry) {
    return namespaces.get(registry / REGISTRIES_PER_NAMESPACE);
  }

  private PrivateRegistry registry(int i) {
    PrivateRegistry registry = new PrivateRegistry();
    registry.getMetadata().setName(registryName(i));
    registry.getMetadata().setNamespace(namespaceOfRegistry(i));
    registry.getSpec().auth.bcryptCost = COST;
    return registry;
  }

  private static String registryName(int i) {
    return String.format("reg-%04d", i);
  }

  private static String userName(int i) {
    return String.format("user-%05d", i);
  }

  private static boolean hasOwnPasswordSecret(int user) {
    return user % 2 == 0;
  }

  private RegistryUser user(int i) {
    int registry = i % REGISTRIES;
    RegistryUser user = new RegistryUser();
    user.getMetadata().setName(userName(i));
    user.getMetadata().setNamespace(namespaceOfRegistry(registry));
    user.getSpec().registryRef = registryName(registry);
    if (hasOwnPasswordSecret(i)) {
      user.getSpec().passwordSecretRef = new SecretKeyRef();
      user.getSpec().passwordSecretRef.name = userName(i) + "-password";
    }
    return user;
  }

  private Secret passwordSecret(int i) {
    byte[] password = new byte[18];
    random.nextBytes(password);
    return new SecretBuilder()
        .withNewMetadata()
        .withName(userName(i) + "-password")
        .withNamespace(namespaceOfRegistry(i % REGISTRIES))
        .endMetadata()
        .withData(
            SecretData.encode(Map.of("password", Base64.getEncoder().encodeToString(password))))
        .build();
  }

  /** A Secret of someone else's (an application's, say): 1 KiB the operator must not keep. */
  private Secret unrelatedSecret(int i) {
    byte[] content = new byte[1024];
    random.nextBytes(content);
    return new SecretBuilder()
        .withNewMetadata()
        .withName(String.format("app-secret-%05d", i))
        .withNamespace(namespaces.get(i % namespaces.size()))
        .addToLabels("app", "unrelated-" + (i % 50))
        .endMetadata()
        .withData(Map.of("content", Base64.getEncoder().encodeToString(content)))
        .build();
  }

  /**
   * Runs task(0..count-1) on CLIENT_THREADS threads of the benchmark's client, all at once; stops
   * early when the operator has died meanwhile.
   */
  private void parallel(int count, IntTask task) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(CLIENT_THREADS);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int index = i;
        done.add(
            threads.submit(
                () -> {
                  task.run(index);
                  return null;
                }));
      }
      for (int i = 0; i < done.size(); i++) {
        if (i % 500 == 0) {
          operatorAlive();
        }
        try {
          done.get(i).get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("creating the benchmark's objects failed", e.getCause());
        }
      }
    } finally {
      threads.shutdownNow();
    }
  }

  private interface IntTask {
    void run(int index) throws Exception;
  }

  private static String top(String text, int lines) {
    return String.join("\n", text.lines().limit(lines).toList());
  }

  private static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toMillis() / 1000.0;
  }

  /** A span of time; the operator's requests in it are read when the report is printed. */
  record Window(Instant from, Instant to) {
    List<OperatorRequests.Request> requests() {
      return requests.between(from, to);
    }

    /** From the start to the last request in the window, e.g. until the operator went quiet. */
    String secondsToLastRequest() {
      return requests().stream()
          .map(OperatorRequests.Request::received)
          .max(Instant::compareTo)
          .map(last -> String.format("%.1f s", seconds(from, last)))
          .orElse("no request");
    }
  }

  /** CPU seconds of the operator, the API server, etcd and the machine at one moment. */
  record Usage(double operator, double apiServer, double etcd, double machineBusy) {

    /** Now; the operator's CPU is 0 when there is none (between a stop and a start). */
    static Usage now(MeasuredOperator operator) {
      return new Usage(
          operator == null ? 0 : operator.cpuSeconds(),
          childCpu("kube-apiserver"),
          childCpu("etcd"),
          ProcFs.machineTicks().busy() / (double) ProcFs.TICKS_PER_SECOND);
    }

    Usage minus(Usage before) {
      return new Usage(
          operator - before.operator,
          apiServer - before.apiServer,
          etcd - before.etcd,
          machineBusy - before.machineBusy);
    }

    String describe() {
      return String.format(
          "operator %.1f, kube-apiserver %.1f, etcd %.1f, machine %.1f",
          operator, apiServer, etcd, machineBusy);
    }

    private static double childCpu(String command) {
      return ProcessHandle.current()
          .descendants()
          .filter(p -> ProcFs.command(p.pid()).equals(command))
          .mapToDouble(p -> ProcFs.cpuSeconds(p.pid()))
          .sum();
    }
  }

  /** Everything measured, printed at the end side by side with the targets. */
  private static final class Report {

    private final List<Supplier<String>> lines = new ArrayList<>();
    private final List<Supplier<String>> details = new ArrayList<>();
    private String machine;
    private String limit;

    void machine(double busyCores, String loadAverage) {
      machine =
          String.format(
              "%d cores, %.2f cores busy in the 3 s before the run, load average before: %s",
              Runtime.getRuntime().availableProcessors(), busyCores, loadAverage);
    }

    void machineAfter(String loadAverage) {
      machine += ", after: " + loadAverage;
    }

    void started(int run, double seconds, double rssMib, Path log) {
      String start =
          String.format(
              "operator run %d: /startup after %.1f s, RSS %.0f MiB at start; log %s",
              run, seconds, rssMib, log);
      details.add(() -> start + " (" + problemLines(log) + ")");
    }

    /** How many WARN and ERROR lines the operator logged (stack trace lines not counted). */
    private static String problemLines(Path log) {
      try (Stream<String> lines = Files.lines(log)) {
        Map<String, Long> counts =
            lines
                .map(
                    line ->
                        line.contains(" ERROR ") ? "ERROR" : line.contains(" WARN ") ? "WARN" : "")
                .filter(level -> !level.isEmpty())
                .collect(
                    Collectors.groupingBy(level -> level, TreeMap::new, Collectors.counting()));
        return counts.isEmpty() ? "no WARN or ERROR line" : counts + " lines";
      } catch (IOException | UncheckedIOException e) {
        return "log unreadable: " + e.getMessage();
      }
    }

    void oomKills(long kills) {
      if (kills >= 0) {
        row(
            "operator processes killed for the memory limit",
            Long.toString(kills),
            "0 " + met(kills == 0));
      }
    }

    void standInWrites(long writes) {
      detail("Deployment controller stand-in: " + writes + " status writes");
    }

    void phaseA(
        double createSeconds, double readySeconds, Window untilReady, Window idle, Usage usage) {
      row(
          "A: " + BURST + " registries created at once",
          String.format("created in %.1f s", createSeconds),
          "");
      row(
          "A: time until all Ready",
          String.format("%.1f s", readySeconds),
          String.format(
              "<= %.0f s %s", A_READY_TARGET_SECONDS, met(readySeconds <= A_READY_TARGET_SECONDS)));
      row(
          "A: operator requests until all Ready",
          () ->
              String.format(
                  "%d (%.0f/s on average, peak %d in one second)",
                  untilReady.requests().size(),
                  untilReady.requests().size() / Math.max(readySeconds, 0.001),
                  OperatorRequests.peakPerSecond(untilReady.requests())),
          "");
      row(
          "A: operator requests in the " + IDLE.toSeconds() + " s after",
          () -> Integer.toString(idle.requests().size()),
          "no storm");
      row("A: CPU seconds until all Ready", usage.describe(), "");
      detail("A: requests until all Ready", untilReady);
      detail("A: requests in the idle window", idle);
    }

    void phaseB(
        double createSeconds,
        double readySeconds,
        Window requests,
        long bcrypt,
        double rss,
        double peakRss,
        double rssAfterGc,
        String heap,
        String histogram,
        String nativeMemory,
        long cgroupFailures,
        Usage usage) {
      row(
          String.format(
              "B: +%d registries, %d users, %d other Secrets",
              REGISTRIES - BURST, USERS, UNRELATED_SECRETS),
          String.format("created in %.1f s", createSeconds),
          "");
      row("B: time until all Ready", String.format("%.1f s", readySeconds), "");
      row("B: time until the operator's last request", requests::secondsToLastRequest, "");
      row(
          "B: bcrypt operations",
          Long.toString(bcrypt),
          String.format("exactly %d %s", USERS, met(bcrypt == USERS)));
      row(
          "B: operator RSS settled",
          String.format("%.0f MiB (peak %.0f MiB)", rss, peakRss),
          String.format("<= %.0f MiB %s", RSS_TARGET_MIB, met(rss <= RSS_TARGET_MIB)));
      row("B: operator RSS after a full GC", String.format("%.0f MiB", rssAfterGc), "");
      row(
          "B: operator requests",
          () ->
              String.format(
                  "%d (%d not 2xx)", requests.requests().size(), notOk(requests.requests())),
          "");
      row("B: CPU seconds until quiet", usage.describe(), "");
      detail("B: requests", requests);
      detail("B: heap after a full GC (jcmd GC.heap_info):\n    " + heap.replace("\n", "\n    "));
      detail(
          "B: the heap's largest classes after that GC (jcmd GC.class_histogram):\n    "
              + histogram.replace("\n", "\n    "));
      if (nativeMemory != null) {
        detail(
            "B: native memory before that GC (jcmd VM.native_memory summary):\n    "
                + nativeMemory.replace("\n", "\n    "));
      }
      if (cgroupFailures >= 0) {
        detail("B: times the memory cgroup refused memory (memory.failcnt): " + cgroupFailures);
      }
    }

    void resync(
        double waitSeconds,
        double durationSeconds,
        Window requests,
        long bcrypt,
        double rss,
        Usage usage) {
      row(
          "resync: began after / lasted",
          String.format("%.0f s / %.1f s", waitSeconds, durationSeconds),
          "");
      row(
          "resync: requests, bcrypt",
          () -> String.format("%d, %d", requests.requests().size(), bcrypt),
          "bcrypt 0 " + met(bcrypt == 0));
      row("resync: CPU seconds", usage.describe(), "");
      row("resync: operator RSS after", String.format("%.0f MiB", rss), "");
      detail("resync: requests", requests);
    }

    void restart(
        double stopSeconds,
        double reconciledSeconds,
        Window requests,
        long bcrypt,
        double rss,
        double peakRss,
        Usage usage) {
      row("restart: stop (SIGTERM) took", String.format("%.1f s", stopSeconds), "");
      row(
          "restart: all reconciled / quiet after",
          () -> String.format("%.1f s / %s", reconciledSeconds, requests.secondsToLastRequest()),
          "");
      row(
          "restart: requests, bcrypt",
          () -> String.format("%d, %d", requests.requests().size(), bcrypt),
          "bcrypt 0 " + met(bcrypt == 0));
      row(
          "restart: operator RSS settled",
          String.format("%.0f MiB (peak %.0f MiB)", rss, peakRss),
          String.format("<= %.0f MiB %s", RSS_TARGET_MIB, met(rss <= RSS_TARGET_MIB)));
      row("restart: CPU seconds until quiet", usage.describe(), "");
      detail("restart: requests", requests);
    }

    private static String met(boolean met) {
      return met ? "(met)" : "(MISSED)";
    }

    private static long notOk(List<OperatorRequests.Request> requests) {
      return OperatorRequests.failures(requests).values().stream().mapToLong(Long::longValue).sum();
    }

    private void row(String what, String measured, String target) {
      row(what, () -> measured, target);
    }

    /** A row whose figure is computed when the report is printed. */
    private void row(String what, Supplier<String> measured, String target) {
      lines.add(() -> String.format("| %-44s | %-46s | %-18s |", what, measured.get(), target));
    }

    private void detail(String title, Window window) {
      details.add(
          () -> {
            List<OperatorRequests.Request> requests = window.requests();
            StringBuilder text = new StringBuilder(title + " by verb and resource:");
            OperatorRequests.byKind(requests)
                .forEach((kind, count) -> text.append(String.format("%n    %6d  %s", count, kind)));
            Map<Integer, Long> failures = OperatorRequests.failures(requests);
            if (!failures.isEmpty()) {
              text.append("\n    answers other than 2xx by code: ").append(failures);
            }
            return text.toString();
          });
    }

    private void detail(String text) {
      details.add(() -> text);
    }

    void print() {
      System.out.printf(
          "%nScale benchmark on kube-apiserver %s: %d registries (%d at once), %d users,"
              + " %d other Secrets, bcrypt cost %d, %d registries per namespace%n",
          RealApiServer.version(),
          REGISTRIES,
          BURST,
          USERS,
          UNRELATED_SECRETS,
          COST,
          REGISTRIES_PER_NAMESPACE);
      System.out.println("Machine: " + machine);
      System.out.printf(
          "Operator: java -jar %s, JAVA_TOOL_OPTIONS=%s, limit: %s%n",
          JAR, MeasuredOperator.JAVA_TOOL_OPTIONS, limit);
      System.out.printf("| %-44s | %-46s | %-18s |%n", "what", "measured", "target");
      System.out.printf("|%s|%s|%s|%n", "-".repeat(46), "-".repeat(48), "-".repeat(20));
      lines.forEach(line -> System.out.println(orProblem(line)));
      System.out.println();
      details.forEach(detail -> System.out.println(orProblem(detail)));
    }

    /** One figure that cannot be computed does not take the others with it. */
    private static String orProblem(Supplier<String> text) {
      try {
        return text.get();
      } catch (RuntimeException e) {
        return "(could not be computed: " + e + ")";
      }
    }

    void limit(String description) {
      limit = description;
    }
  }
}
