package dev.registryoperator.it;

import dev.registryoperator.testing.OutputCapture;
import dev.registryoperator.testing.SecretScan;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

/**
 * A real etcd and kube-apiserver for one test class: 1.20.2 (the oldest supported server, the
 * default) or 1.36.2 (a current one), chosen by the system property {@value #VERSION_PROPERTY} that
 * the two failsafe executions in {@code pom.xml} set. The tier runs once per server with the same
 * tests; a test whose expectation legitimately differs asks {@link #version()} and says why. Run by
 * kube-api-test from the binaries that {@code scripts/provision-control-plane.sh} puts in place.
 * Started before the class's {@code @BeforeAll} methods, stopped after its {@code @AfterAll}
 * methods; the CRDs from {@code crds/} are installed and Established before any test runs.
 *
 * <p>Register it as {@code @RegisterExtension static final RealApiServer API = new
 * RealApiServer();}. Without the binaries the class is skipped (reported as skipped, with the
 * reason), or fails when {@code CI=true}: a CI job that silently skips its integration tier proves
 * nothing.
 *
 * <p>A failing test names the server in its message ({@code on kube-apiserver 1.36.2: ...}), so a
 * report says which run broke.
 *
 * <p>Two checks apply to every class: the server's audit log records the requests of the operator's
 * ServiceAccount ({@link OperatorAccount}), and a test fails when RBAC refused one of them; and
 * after the class, its output (with the operator's log), Events, statuses and ConfigMaps are
 * scanned for secret material ({@link SecretScan}), which fails the class.
 *
 * <p>Neither server runs a controller-manager: no garbage collection, no Pods, no Deployment or
 * quota controller, and namespaces never finish deleting. Tests play those controllers where they
 * need them and isolate themselves by namespace.
 */
public final class RealApiServer
    implements ExecutionCondition,
        BeforeAllCallback,
        AfterEachCallback,
        AfterAllCallback,
        TestExecutionExceptionHandler {

  /** The oldest server the operator supports, and the one used when nothing is selected. */
  public static final String KUBERNETES_VERSION = "1.20.2";

  /** A current server: CEL validation rules, PodSecurity admission, GA server-side apply. */
  public static final String CURRENT_KUBERNETES_VERSION = "1.36.2";

  /** System property selecting the server version for this JVM; set by failsafe. */
  public static final String VERSION_PROPERTY = "registryoperator.it.kubernetes-version";

  private static final String SELECTED_VERSION = selectedVersion();

  private static final String PLATFORM = "linux-amd64";
  private static final String PROVISION_SCRIPT = "scripts/provision-control-plane.sh";
  private static final Path CRD_DIR = Path.of("crds");
  private static final Duration CRD_ESTABLISHED_TIMEOUT = Duration.ofSeconds(30);
  private static final AtomicInteger NAMESPACES = new AtomicInteger();

  private final List<String> apiServerFlags;
  private KubeAPIServer server;
  private String kubeConfigYaml;
  private KubernetesClient client;
  private final List<KubernetesClient> extraClients = new ArrayList<>();
  private final List<String> crdNames = new ArrayList<>();
  private long startedNanos;
  private AuditLog auditLog;
  private OutputCapture output;

  public RealApiServer() {
    this(List.of());
  }

  /**
   * A server started with extra flags ({@code --name=value}), e.g. the audit log a benchmark counts
   * the operator's requests in, or a Service IP range larger than kube-api-test's fixed /24 (254
   * Services). kube-api-test puts its own flags after any it is given, and the last of a repeated
   * flag wins; so the server runs through a wrapper script, in a kube-api-test directory of its
   * own, that puts these last.
   */
  public RealApiServer(List<String> apiServerFlags) {
    this.apiServerFlags = List.copyOf(apiServerFlags);
  }

  /** The version of the server this run uses. */
  public static ServerVersion version() {
    return ServerVersion.of(SELECTED_VERSION);
  }

  /**
   * The kubectl that matches the server (kube-api-test's readiness check uses the same binary), for
   * tests that apply manifests the way a user does.
   */
  public static Path kubectl() {
    return provisionedBinaries().resolve("kubectl");
  }

  /** The kubeconfig of the running server, for kubectl. */
  public String kubeConfigYaml() {
    if (kubeConfigYaml == null) {
      throw new IllegalStateException("the API server is not running");
    }
    return kubeConfigYaml;
  }

  /** A client with the cluster-admin certificate kube-api-test generates. */
  public KubernetesClient client() {
    if (client == null) {
      throw new IllegalStateException("the API server is not running");
    }
    return client;
  }

  /** Names of the installed CustomResourceDefinitions. */
  public List<String> crdNames() {
    return List.copyOf(crdNames);
  }

  /** Creates a namespace of its own for a test: namespaces never finish deleting on 1.20. */
  public String newNamespace(String prefix) {
    String name = prefix + "-" + NAMESPACES.incrementAndGet();
    client()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  /**
   * Decided before the class's {@code @BeforeAll} methods run, so that a class without a control
   * plane is reported as skipped with the reason (an assumption failing in {@code @BeforeAll} makes
   * Failsafe 3.5.4 report "Tests run: 0" and still fail the build).
   */
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (context.getTestMethod().isPresent()) {
      return ConditionEvaluationResult.enabled("decided for the class");
    }
    Optional<String> missing = missingControlPlane();
    if (missing.isEmpty()) {
      return ConditionEvaluationResult.enabled("kube-apiserver " + SELECTED_VERSION + " found");
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException(
          "CI=true and the integration tier cannot run. " + missing.get());
    }
    // Failsafe shows a skip reason only in its XML report; say it where people look.
    System.out.printf("[it] %s skipped: %s%n", context.getDisplayName(), missing.get());
    return ConditionEvaluationResult.disabled(missing.get());
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    TierClock.of(context).classStarted();
    startedNanos = System.nanoTime();
    output = OutputCapture.start();
    Path dir = apiServerFlags.isEmpty() ? Path.of(testDir()) : wrappedServerDir();
    KubeAPIServerConfigBuilder config = serverConfig(dir);
    auditLog = AuditLog.create(OperatorAccount.USER);
    auditLog.flags().forEach(config::withApiServerFlag);
    if (version().atLeast(1, 29)) {
      // One client per test and no load: API priority and fairness only costs start time and
      // memory here (1.20 has it as a beta feature, off by default).
      config.withApiServerFlag("--enable-priority-and-fairness=false");
    }
    String testClass = context.getRequiredTestClass().getSimpleName();
    server =
        ControlPlaneStart.start(
            config.build(), failed -> System.out.printf("[it] %s: %s%n", testClass, failed));
    kubeConfigYaml = server.getKubeConfigYaml();
    client = new KubernetesClientBuilder().withConfig(config()).build();
    installCrds();
    System.out.printf(
        "[it] %s: kube-apiserver %s ready with CRDs in %d ms%n",
        context.getRequiredTestClass().getSimpleName(),
        SELECTED_VERSION,
        elapsedMillis(startedNanos));
  }

  /**
   * Fails the test during which the API server refused one of the operator's requests for want of
   * RBAC: the operator runs as the ServiceAccount {@code deploy/} creates ({@link
   * OperatorAccount}), and the RBAC it installs must be enough for everything the tests make it do.
   */
  @Override
  public void afterEach(ExtensionContext context) {
    assertNoneRefused(refusedByRbac());
  }

  private static void assertNoneRefused(List<String> refused) {
    if (!refused.isEmpty()) {
      throw new AssertionError(
          "on kube-apiserver "
              + SELECTED_VERSION
              + ": RBAC refused the operator's ServiceAccount ("
              + OperatorAccount.USER
              + ") "
              + refused.size()
              + " request(s); deploy/operator/ must grant them: "
              + refused);
    }
  }

  /**
   * The operator's requests RBAC refused since the last call, as "verb resource (namespace, name):
   * reason", read from the API server's audit log.
   */
  public List<String> refusedByRbac() {
    return auditLog == null ? List.of() : auditLog.newRefusals();
  }

  /** A client that authenticates as the operator's ServiceAccount, with its RBAC installed. */
  public KubernetesClient newOperatorClient(Consumer<HttpClient.Builder> httpClient) {
    KubernetesClient extra =
        new KubernetesClientBuilder()
            .withConfig(newOperatorConfig())
            .withHttpClientBuilderConsumer(httpClient)
            .build();
    extraClients.add(extra);
    return extra;
  }

  /** A configuration that authenticates as the operator's ServiceAccount (a fresh token). */
  private Config newOperatorConfig() {
    OperatorAccount.install(client());
    return OperatorAccount.config(client(), config());
  }

  /**
   * The server's audit log of the operator's ServiceAccount's requests (Metadata level, one JSON
   * event per line), for a benchmark that counts them.
   */
  public Path operatorAuditLog() {
    if (auditLog == null) {
      throw new IllegalStateException("the API server is not running");
    }
    return auditLog.path();
  }

  /**
   * A kubeconfig for an operator running as a process of its own: the server, its CA, and a token
   * of the operator's ServiceAccount (with its RBAC installed), so that process is audited too.
   */
  public String operatorKubeConfigYaml() {
    Config operator = newOperatorConfig();
    String authority =
        operator.getCaCertData() != null
            ? "certificate-authority-data: " + operator.getCaCertData()
            : "certificate-authority: " + operator.getCaCertFile();
    return """
        apiVersion: v1
        kind: Config
        clusters:
          - name: it
            cluster:
              server: %s
              %s
        users:
          - name: %s
            user:
              token: %s
        contexts:
          - name: it
            context:
              cluster: it
              user: %s
        current-context: it
        """
        .formatted(
            operator.getMasterUrl(),
            authority,
            OperatorAccount.NAME,
            operator.getOauthToken(),
            OperatorAccount.NAME);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    List<String> refused = refusedByRbac();
    List<SecretScan.Finding> leaks = scanForSecrets(context);
    if (auditLog != null) {
      auditLog.delete();
      auditLog = null;
    }
    extraClients.forEach(KubernetesClient::close);
    extraClients.clear();
    if (client != null) {
      client.close();
      client = null;
    }
    if (server != null) {
      try {
        server.stop();
      } finally {
        server = null;
      }
    }
    System.out.printf(
        "[it] %s: %d ms on kube-apiserver %s (start to stop)%n",
        context.getRequiredTestClass().getSimpleName(),
        elapsedMillis(startedNanos),
        SELECTED_VERSION);
    // Last: also what the operator was refused while the class's @AfterAll stopped it.
    assertNoneRefused(refused);
    if (!leaks.isEmpty()) {
      throw new AssertionError(
          "on kube-apiserver "
              + SELECTED_VERSION
              + ": secret material where none may be (the material itself is not shown): "
              + leaks);
    }
  }

  /**
   * Everything the class's tests and operators produced that anyone without access to Secrets may
   * read - the JVM's output with the operator's log, Events, statuses, ConfigMaps - scanned for the
   * secret values the server's Secrets hold and for keys, hashes and tokens.
   */
  private List<SecretScan.Finding> scanForSecrets(ExtensionContext context) {
    if (output == null) {
      return List.of();
    }
    output.close();
    String where = "the output of " + context.getRequiredTestClass().getSimpleName();
    String text = output.text();
    output = null;
    if (client == null) {
      return List.of();
    }
    SecretScan scan = SecretScan.of(client).text(where, text).clusterObjects(client);
    List<SecretScan.Finding> findings = scan.findings();
    System.out.printf(
        "[it] %s: secret scan: %s (%d lines of output among them), %d finding(s)%n",
        context.getRequiredTestClass().getSimpleName(),
        scan.summary(),
        text.lines().count(),
        findings.size());
    return findings;
  }

  /**
   * Puts the server version in front of a failure's message: the same class runs on two servers and
   * a report must say which one failed. Aborted tests (assumptions) pass through unchanged.
   */
  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure)
      throws Throwable {
    if (failure instanceof TestAbortedException) {
      throw failure;
    }
    if (!(failure instanceof AssertionError)) {
      failure.addSuppressed(new ServerNote(SELECTED_VERSION));
      throw failure;
    }
    AssertionError named =
        new AssertionError("on kube-apiserver " + SELECTED_VERSION + ": " + failure.getMessage());
    named.initCause(failure);
    named.setStackTrace(failure.getStackTrace());
    throw named;
  }

  /** Attached to a non-assertion failure so that its report still names the server. */
  private static final class ServerNote extends RuntimeException {
    ServerNote(String version) {
      super("the test ran on kube-apiserver " + version, null, false, false);
    }
  }

  /** A kube-apiserver version, compared by major and minor. */
  public record ServerVersion(String text, int major, int minor) {

    static ServerVersion of(String text) {
      String[] parts = text.split("\\.");
      return new ServerVersion(text, Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
    }

    public boolean atLeast(int wantedMajor, int wantedMinor) {
      return major > wantedMajor || (major == wantedMajor && minor >= wantedMinor);
    }

    @Override
    public String toString() {
      return text;
    }
  }

  private Config config() {
    return Config.fromKubeconfig(kubeConfigYaml);
  }

  private void installCrds() throws IOException {
    List<Path> files;
    try (Stream<Path> listing = Files.list(CRD_DIR)) {
      files = listing.filter(p -> p.getFileName().toString().endsWith("-v1.yml")).sorted().toList();
    }
    if (files.isEmpty()) {
      throw new IllegalStateException("no CRDs found in " + CRD_DIR.toAbsolutePath());
    }
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        CustomResourceDefinition crd =
            client.apiextensions().v1().customResourceDefinitions().load(in).item();
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        crdNames.add(crd.getMetadata().getName());
      }
    }
    for (String name : crdNames) {
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .withName(name)
          .waitUntilCondition(
              RealApiServer::established,
              CRD_ESTABLISHED_TIMEOUT.toMillis(),
              TimeUnit.MILLISECONDS);
    }
  }

  static boolean established(CustomResourceDefinition crd) {
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** kube-api-test's settings for the selected server with its binaries under {@code testDir}. */
  static KubeAPIServerConfigBuilder serverConfig(Path testDir) {
    return KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withTestDir(testDir.toString())
        .withApiServerVersion(SELECTED_VERSION)
        // In code, not as KUBE_API_TEST_OFFLINE_MODE: kube-api-test 7.5.2 casts that environment
        // variable's String to Boolean and crashes. Same for the timeout.
        .withOfflineMode(true)
        .withStartupTimeout(120_000)
        // etcd listens before kube-apiserver's port is picked, so that pick cannot take etcd's.
        .withWaitForEtcdHealthCheckOnStartup(true)
        .withUpdateKubeConfig(false);
  }

  /** Where kube-api-test looks for the selected server's binaries under {@code testDir}. */
  static Path binaries(Path testDir) {
    return testDir.resolve("k8s").resolve(SELECTED_VERSION + "-" + PLATFORM);
  }

  /** The binaries the provision script put in place. */
  static Path provisionedBinaries() {
    return binaries(Path.of(testDir()));
  }

  /**
   * A kube-api-test directory whose kube-apiserver is a script that runs the provisioned one with
   * {@link #apiServerFlags} after all of kube-api-test's; etcd and kubectl are the provisioned
   * ones. kube-api-test writes its certificates there.
   */
  private Path wrappedServerDir() throws IOException {
    Path provisioned = provisionedBinaries();
    Path dir = Path.of("target", "kube-api-test-wrapped").toAbsolutePath();
    Path binaries = binaries(dir);
    Files.createDirectories(binaries);
    for (String binary : List.of("etcd", "kubectl")) {
      Files.deleteIfExists(binaries.resolve(binary));
      Files.createSymbolicLink(binaries.resolve(binary), provisioned.resolve(binary));
    }
    StringBuilder script =
        new StringBuilder("#!/bin/sh\nexec ")
            .append(shellQuoted(provisioned.resolve("kube-apiserver").toString()))
            .append(" \"$@\"");
    apiServerFlags.forEach(flag -> script.append(' ').append(shellQuoted(flag)));
    Path wrapper = binaries.resolve("kube-apiserver");
    Files.writeString(wrapper, script.append('\n').toString());
    wrapper.toFile().setExecutable(true);
    return dir;
  }

  private static String shellQuoted(String text) {
    return "'" + text.replace("'", "'\\''") + "'";
  }

  /**
   * The directory kube-api-test works in: KUBE_API_TEST_DIR, or what the provision script names.
   */
  private static String testDir() {
    String configured = System.getenv(KubeAPIServerConfigBuilder.KUBE_API_TEST_DIR);
    return configured != null && !configured.isBlank() ? configured : dirFromProvisionScript();
  }

  /**
   * Why the control plane cannot start here, or empty when etcd, kube-apiserver and kubectl are in
   * place.
   */
  private static Optional<String> missingControlPlane() {
    String dir = testDir();
    List<String> missing = new ArrayList<>();
    if (dir == null) {
      missing.add("KUBE_API_TEST_DIR (unset, and " + PROVISION_SCRIPT + " --print-dir failed)");
    } else {
      Path binaries = binaries(Path.of(dir));
      for (String binary : List.of("etcd", "kube-apiserver", "kubectl")) {
        if (!Files.isExecutable(binaries.resolve(binary))) {
          missing.add(binaries.resolve(binary).toString());
        }
      }
      if (missing.isEmpty() && !Files.isWritable(Path.of(dir))) {
        missing.add(dir + " is not writable (kube-api-test writes its certificates there)");
      }
    }
    if (missing.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "No kube-apiserver "
            + SELECTED_VERSION
            + " control plane: missing "
            + String.join(", ", missing)
            + ". Run "
            + PROVISION_SCRIPT
            + " (about 6 minutes the first time) and export the KUBE_API_TEST_DIR it prints.");
  }

  private static String selectedVersion() {
    String selected = System.getProperty(VERSION_PROPERTY, "").trim();
    if (selected.isEmpty()) {
      return KUBERNETES_VERSION;
    }
    if (!selected.equals(KUBERNETES_VERSION) && !selected.equals(CURRENT_KUBERNETES_VERSION)) {
      throw new IllegalStateException(
          VERSION_PROPERTY
              + "="
              + selected
              + ": the provision script puts only "
              + KUBERNETES_VERSION
              + " and "
              + CURRENT_KUBERNETES_VERSION
              + " in place");
    }
    return selected;
  }

  private static String dirFromProvisionScript() {
    Path script = Path.of(PROVISION_SCRIPT);
    if (!Files.isRegularFile(script)) {
      return null;
    }
    try {
      Process process =
          new ProcessBuilder("bash", script.toString(), "--print-dir")
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String out =
          new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0 || out.isEmpty()) {
        return null;
      }
      return out.lines().reduce((first, last) -> last).orElse(null);
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static long elapsedMillis(long sinceNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
  }

  /**
   * Wall time of the whole integration tier in this JVM: from the first class's start to the end of
   * the test run, printed when JUnit closes its root store.
   */
  private static final class TierClock implements AutoCloseable {

    private final long startedNanos = System.nanoTime();
    private int classes;

    static TierClock of(ExtensionContext context) {
      return context
          .getRoot()
          .getStore(ExtensionContext.Namespace.create(RealApiServer.class))
          .getOrComputeIfAbsent(TierClock.class, key -> new TierClock(), TierClock.class);
    }

    synchronized void classStarted() {
      classes++;
    }

    @Override
    public synchronized void close() {
      System.out.printf(
          "[it] integration tier wall time: %.1f s for %d test class(es) on kube-apiserver %s%n",
          (System.nanoTime() - startedNanos) / 1e9, classes, SELECTED_VERSION);
    }
  }
}
