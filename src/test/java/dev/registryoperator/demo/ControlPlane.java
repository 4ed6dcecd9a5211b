package dev.registryoperator.demo;

import dev.registryoperator.it.RealApiServer;
import io.fabric8.kubeapitest.cert.CertManager;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * etcd and kube-apiserver 1.20.2 from the binaries {@code scripts/provision-control-plane.sh} put
 * in place (the same ones the integration tier runs through kube-api-test), started directly rather
 * than through kube-api-test for three reasons: kube-api-test's etcd listens on 0.0.0.0 without
 * authentication, and a demo on a fresh machine must not publish its Secrets to the network; the
 * processes' output goes to log files a person can read; and the demo needs two client identities
 * (a cluster admin and the operator's ServiceAccount) where kube-api-test trusts exactly one.
 *
 * <p>The flags are kube-api-test's, plus loopback-only listeners and a client CA bundle of both
 * identities. The certificates come from kube-api-test's own generator: self-signed, each trusted
 * as its own root.
 *
 * <p>Every process runs under {@code setpriv --pdeathsig TERM}: if the demo dies without cleaning
 * up (SIGKILL, a crash), its control plane goes with it. The death signal follows the thread that
 * started the process, so only the main thread starts them.
 */
final class ControlPlane implements AutoCloseable {

  static final String KUBERNETES_VERSION = RealApiServer.KUBERNETES_VERSION;
  static final String ADMIN = "admin";
  static final String OPERATOR = "operator";

  /**
   * The user name RBAC gives a ServiceAccount: the ClusterRoleBinding in deploy/ names this one.
   */
  static final String OPERATOR_USER =
      "system:serviceaccount:registry-operator-system:registry-operator";

  private static final Duration STOP_GRACE = Duration.ofSeconds(10);

  private final DemoLayout layout;
  private final Path binaries;
  private final List<Process> processes = new ArrayList<>();
  private int apiPort;
  private KubernetesClient admin;

  private ControlPlane(DemoLayout layout, Path binaries) {
    this.layout = layout;
    this.binaries = binaries;
  }

  /**
   * The directory with etcd, kube-apiserver and kubectl, from KUBE_API_TEST_DIR as {@code
   * scripts/provision-control-plane.sh} prints it.
   */
  static Path binaries() {
    String dir = System.getenv("KUBE_API_TEST_DIR");
    if (dir == null || dir.isBlank()) {
      throw new IllegalStateException(
          "KUBE_API_TEST_DIR is not set: run the demo through scripts/demo.sh, which provisions the control plane");
    }
    Path binaries = Path.of(dir, "k8s", KUBERNETES_VERSION + "-linux-amd64");
    for (String binary : List.of("etcd", "kube-apiserver", "kubectl")) {
      if (!Files.isExecutable(binaries.resolve(binary))) {
        throw new IllegalStateException(
            binaries.resolve(binary) + " is missing: run scripts/provision-control-plane.sh");
      }
    }
    return binaries;
  }

  static ControlPlane start(DemoLayout layout, Duration timeout) throws IOException {
    ControlPlane plane = new ControlPlane(layout, binaries());
    try {
      plane.run(timeout);
      return plane;
    } catch (RuntimeException | IOException e) {
      plane.close();
      throw e;
    }
  }

  String serverUrl() {
    return "https://127.0.0.1:" + apiPort;
  }

  Path kubectl() {
    return binaries.resolve("kubectl");
  }

  /** A client with the cluster-admin identity of {@link DemoLayout#adminKubeconfig()}. */
  KubernetesClient admin() {
    return admin;
  }

  private void run(Duration timeout) throws IOException {
    Path pki = Files.createDirectories(layout.pki());
    Files.createDirectories(layout.logs());
    // apiserver.crt/key and client.crt/key, exactly as the integration tier gets them.
    new CertManager(pki.toString()).createCertificatesIfNeeded();
    Files.move(pki.resolve(CertManager.CLIENT_CERT_NAME), pki.resolve(ADMIN + ".crt"));
    Files.move(pki.resolve(CertManager.CLIENT_KEY_NAME), pki.resolve(ADMIN + ".key"));
    CertManager.generateKeyAndCertificate(
        "O=system:serviceaccounts,O=system:serviceaccounts:registry-operator-system,CN="
            + OPERATOR_USER,
        pki.resolve(OPERATOR + ".key").toFile(),
        pki.resolve(OPERATOR + ".crt").toFile());
    Files.writeString(
        pki.resolve("client-ca.crt"),
        Files.readString(pki.resolve(ADMIN + ".crt"))
            + Files.readString(pki.resolve(OPERATOR + ".crt")));

    int etcdPort = freePort();
    int peerPort = freePort();
    apiPort = freePort();
    String etcdUrl = "http://127.0.0.1:" + etcdPort;
    String peerUrl = "http://127.0.0.1:" + peerPort;
    start(
        "etcd",
        List.of(
            binaries.resolve("etcd").toString(),
            "--name",
            "default",
            "--data-dir",
            layout.etcdData().toString(),
            "--listen-client-urls",
            etcdUrl,
            "--advertise-client-urls",
            etcdUrl,
            "--listen-peer-urls",
            peerUrl,
            "--initial-advertise-peer-urls",
            peerUrl,
            "--initial-cluster",
            "default=" + peerUrl));
    start(
        "kube-apiserver",
        List.of(
            binaries.resolve("kube-apiserver").toString(),
            "--bind-address",
            "127.0.0.1",
            "--secure-port",
            Integer.toString(apiPort),
            "--tls-cert-file",
            pki.resolve(CertManager.API_SERVER_CERT_NAME).toString(),
            "--tls-private-key-file",
            pki.resolve(CertManager.API_SERVER_KEY_NAME).toString(),
            "--client-ca-file",
            pki.resolve("client-ca.crt").toString(),
            "--etcd-servers",
            etcdUrl,
            "--authorization-mode",
            "RBAC",
            "--service-account-issuer",
            "https://kubernetes.default.svc",
            "--service-account-signing-key-file",
            pki.resolve(CertManager.API_SERVER_KEY_NAME).toString(),
            "--service-account-key-file",
            pki.resolve(CertManager.API_SERVER_KEY_NAME).toString(),
            // No token controller runs, so pods could never get their token; the demo creates none.
            "--disable-admission-plugins",
            "ServiceAccount",
            "--service-cluster-ip-range",
            "10.0.0.0/24",
            "--allow-privileged"));

    writeKubeconfig(layout.adminKubeconfig(), ADMIN);
    writeKubeconfig(layout.operatorKubeconfig(), OPERATOR);
    admin =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(Files.readString(layout.adminKubeconfig())))
            .build();
    awaitDefaultNamespace(timeout);
  }

  private void start(String name, List<String> command) throws IOException {
    List<String> full = new ArrayList<>(List.of("setpriv", "--pdeathsig", "TERM", "--"));
    full.addAll(command);
    Path log = layout.logs().resolve(name + ".log");
    Files.writeString(log, "$ " + String.join(" ", command) + "\n");
    Process process =
        new ProcessBuilder(full)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectErrorStream(true)
            .start();
    processes.add(process);
  }

  /** The API server is usable once its bootstrap controller has created the default namespace. */
  private void awaitDefaultNamespace(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      for (Process process : processes) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              process.info().commandLine().orElse("a control-plane process")
                  + " exited with "
                  + process.exitValue()
                  + "; see "
                  + layout.show(layout.logs())
                  + "/{etcd,kube-apiserver}.log");
        }
      }
      try {
        if (admin.namespaces().withName("default").get() != null) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      sleep(Duration.ofMillis(200));
    }
    throw new IllegalStateException(
        "kube-apiserver did not become ready within "
            + timeout.toSeconds()
            + " s"
            + (last == null ? "" : " (last error: " + last.getMessage() + ")")
            + "; see "
            + layout.show(layout.logs())
            + "/kube-apiserver.log");
  }

  private void writeKubeconfig(Path file, String user) throws IOException {
    Path pki = layout.pki();
    Files.writeString(
        file,
        String.join(
            "\n",
            "# The demo's cluster (scripts/demo.sh); valid while it runs.",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "  - name: registry-operator-demo",
            "    cluster:",
            "      server: " + serverUrl(),
            "      certificate-authority: " + pki.resolve(CertManager.API_SERVER_CERT_NAME),
            "users:",
            "  - name: " + user,
            "    user:",
            "      client-certificate: " + pki.resolve(user + ".crt"),
            "      client-key: " + pki.resolve(user + ".key"),
            "contexts:",
            "  - name: registry-operator-demo",
            "    context:",
            "      cluster: registry-operator-demo",
            "      user: " + user,
            "current-context: registry-operator-demo",
            ""));
  }

  /**
   * Stops kube-apiserver, then etcd (SIGTERM, SIGKILL after a grace period), and drops etcd's data.
   */
  @Override
  public void close() {
    if (admin != null) {
      admin.close();
      admin = null;
    }
    for (int i = processes.size() - 1; i >= 0; i--) {
      stop(processes.get(i));
    }
    processes.clear();
    try {
      if (Files.exists(layout.etcdData())) {
        try (var paths = Files.walk(layout.etcdData())) {
          for (Path path : paths.sorted((a, b) -> b.compareTo(a)).toList()) {
            Files.deleteIfExists(path);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + layout.etcdData(), e);
    }
  }

  private static void stop(Process process) {
    if (!process.isAlive()) {
      return;
    }
    // setpriv execs the program, so this is etcd or kube-apiserver itself.
    process.destroy();
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
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
}
