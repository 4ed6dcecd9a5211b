package dev.registryoperator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.Hashes;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.AuthSecrets;
import dev.registryoperator.registry.model.RegistryConfig;
import dev.registryoperator.registry.model.RegistryConfigMap;
import dev.registryoperator.registry.model.RegistryDeployment;
import dev.registryoperator.registry.model.TlsMaterial;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.tls.CertificateAuthority;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mindrot.jbcrypt.BCrypt;

/**
 * The pod runner with the registry pod as the operator renders it: the Deployment, Secrets and
 * ConfigMap come from the project's renderers and sit on the fabric8 mock server, the pod runs the
 * real registry, nginx and auth server (the packaged jar, hence the integration phase), and real
 * clients (curl, skopeo) talk to it over verified TLS.
 */
@EnableKubernetesMockClient(crud = true)
class PodRunnerIT {

  private static final String USER = "alice";
  private static final String PASSWORD = "correct horse battery";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  static KubernetesClient client;

  @TempDir static Path work;

  private static PrivateRegistry registry;
  private static RegistryNames names;
  private static String httpSecret;
  private static String aliceLine;
  private static PodRunner pod;
  private static ServiceDns dns;
  private static Path caDir;

  @BeforeAll
  static void startThePod() throws Exception {
    E2eTools.requirePodRunner();
    E2eTools.curl();

    registry = Fixtures.registry();
    names = RegistryNames.of(registry);
    // Valid now, not at the fixture's fixed instant: real clients check the certificate.
    CertificateAuthority ca = CertificateAuthority.generate("demo CA", Clock.systemUTC());
    Secret caSecret = TlsMaterial.caSecret(registry, ca);
    Secret serving =
        TlsMaterial.servingCertificate(registry, null, caSecret, Clock.systemUTC()).secret();
    // Cost 5 keeps the tests fast.
    aliceLine = USER + ":" + BCrypt.hashpw(PASSWORD, BCrypt.gensalt(5)) + "\n";
    httpSecret = AuthSecrets.newHttpSecret();
    for (HasMetadata object :
        List.of(
            caSecret,
            serving,
            AuthSecrets.htpasswd(registry, Fixtures.authFiles(aliceLine)),
            AuthSecrets.httpSecret(registry, httpSecret),
            RegistryConfigMap.render(registry),
            RegistryDeployment.render(
                registry,
                TlsMaterial.hash(serving),
                Hashes.shortSha256(httpSecret),
                Fixtures.OPERATOR_IMAGE))) {
      client.resource(object).create();
    }

    pod =
        PodRunner.builder(client, Fixtures.NAMESPACE, names.deployment())
            .logsRoot(Path.of("target", "pod-runner-logs"))
            .start();
    pod.awaitReady(TIMEOUT);

    caDir = Files.createDirectories(work.resolve("certs"));
    Files.writeString(
        caDir.resolve("ca.crt"), SecretData.decode(caSecret, Keys.TLS_CERT).orElseThrow());
    dns = ServiceDns.resolving(work, pod.podIp(), names.serviceDnsNames(Fixtures.NAMESPACE));
  }

  @AfterAll
  static void stopThePod() {
    if (pod != null) {
      pod.close();
    }
  }

  @Test
  void volumesAreLaidOutAsKubeletLaysThemOut() throws Exception {
    Path htpasswd = pod.volumeDirectory("htpasswd");
    assertThat(Files.readSymbolicLink(htpasswd.resolve(AtomicWriter.DATA_DIR)).toString())
        .matches("\\.\\.\\d{4}_\\d{2}_\\d{2}_\\d{2}_\\d{2}_\\d{2}\\.\\d+");
    assertThat(Files.readSymbolicLink(htpasswd.resolve(Keys.HTPASSWD)))
        .isEqualTo(Path.of(AtomicWriter.DATA_DIR, Keys.HTPASSWD));
    Path file = htpasswd.resolve(AtomicWriter.DATA_DIR).resolve(Keys.HTPASSWD);
    // defaultMode 0440, group fsGroup (1000): the proxy (uid 101) reads it through the group.
    assertThat(Integer.toOctalString(Posix.mode(file))).isEqualTo("440");
    assertThat(Posix.gid(file)).isEqualTo(1000);

    // The TLS volume projects only the items it names: no CA certificate, no CA key.
    try (var entries = Files.list(pod.volumeDirectory("tls"))) {
      assertThat(
              entries
                  .map(path -> path.getFileName().toString())
                  .filter(name -> !name.startsWith("..")))
          .containsExactlyInAnyOrder("tls.crt", "tls.key");
    }

    // The claim and the emptyDir: group fsGroup, setgid, group-writable.
    assertThat(Integer.toOctalString(Posix.mode(pod.volumeDirectory("data")))).isEqualTo("2775");
    assertThat(Posix.gid(pod.volumeDirectory("data"))).isEqualTo(1000);
    assertThat(Integer.toOctalString(Posix.mode(pod.volumeDirectory("proxy-scratch"))))
        .isEqualTo("2777");
  }

  @Test
  void eachContainerRunsWithItsOwnMountsUserAndPrivileges() {
    // The proxy: uid 101, fsGroup as supplementary group, PID 1 of its own PID namespace.
    assertThat(pod.exec("proxy", "id", "-u").orThrow().stdout().trim()).isEqualTo("101");
    assertThat(pod.exec("proxy", "id", "-G").orThrow().stdout().trim().split(" "))
        .containsExactlyInAnyOrder("101", "1000");
    assertThat(pod.exec("proxy", "cat", "/proc/1/comm").orThrow().stdout().trim())
        .isEqualTo("nginx");
    // allowPrivilegeEscalation: false and capabilities drop ALL.
    assertThat(pod.exec("proxy", "cat", "/proc/1/status").orThrow().stdout().lines())
        .contains("NoNewPrivs:\t1", "CapEff:\t0000000000000000", "CapBnd:\t0000000000000000");

    // The auth server: the operator image's user, reading htpasswd through the fsGroup.
    assertThat(pod.exec("auth", "id", "-u").orThrow().stdout().trim()).isEqualTo("65532");
    assertThat(
            pod.exec("auth", "cat", "/etc/registry-operator/htpasswd/htpasswd").orThrow().stdout())
        .isEqualTo(aliceLine);
    assertThat(pod.exec("auth", "touch", "/etc/registry-operator/htpasswd/extra").stderr())
        .contains("Read-only file system");
    // readOnlyRootFilesystem and readOnly mounts; the scratch emptyDir is writable.
    assertThat(pod.exec("proxy", "touch", "/written-to-root").stderr())
        .contains("Read-only file system");
    assertThat(pod.exec("proxy", "touch", "/tmp/scratch-is-writable").exitCode()).isZero();

    // The registry sees neither the TLS key nor the htpasswd file; its http secret comes from env.
    // Asked of each container's own mount table, not of the path: a container's /etc is an overlay
    // over this machine's /etc, where another tool may have left such a directory.
    assertThat(mountPoints("registry"))
        .contains("/etc/registry-operator/registry", "/var/lib/registry")
        .doesNotContain("/etc/registry-operator/tls", "/etc/registry-operator/htpasswd");
    // nginx no longer sees password hashes: the auth server checks logins.
    assertThat(mountPoints("proxy"))
        .contains("/etc/registry-operator/tls")
        .doesNotContain("/etc/registry-operator/htpasswd");
    assertThat(mountPoints("auth"))
        .contains("/etc/registry-operator/htpasswd", "/app/registry-operator.jar")
        .doesNotContain("/etc/registry-operator/tls");
    assertThat(pod.exec("registry", "id", "-u").orThrow().stdout().trim()).isEqualTo("1000");
    assertThat(pod.exec("registry", "cat", "/proc/1/comm").orThrow().stdout().trim())
        .isEqualTo("docker-registry");
    assertThat(pod.exec("registry", "env").orThrow().stdout().lines())
        .contains(RegistryConfig.HTTP_SECRET_ENV + "=" + httpSecret);
    // One UTS namespace for the pod: the hostname is the pod's name.
    assertThat(pod.exec("registry", "hostname").orThrow().stdout().trim()).isEqualTo(pod.podName());
    assertThat(pod.exec("proxy", "cat", "/etc/hostname").orThrow().stdout().trim())
        .isEqualTo(pod.podName());
  }

  @Test
  void theProxyAnswersAsADockerClientExpects() {
    Response anonymous = get("/v2/", null, null);
    assertThat(anonymous.status).as(anonymous.toString()).isEqualTo(401);
    assertThat(anonymous.headers("Docker-Distribution-Api-Version"))
        .containsExactly("registry/2.0");
    assertThat(anonymous.headers("WWW-Authenticate")).hasSize(1);

    Response authenticated = get("/v2/", USER, PASSWORD);
    assertThat(authenticated.status).as(authenticated.toString()).isEqualTo(200);
    assertThat(authenticated.headers("Docker-Distribution-Api-Version"))
        .containsExactly("registry/2.0");

    assertThat(get("/v2/", USER, "wrong password").status).isEqualTo(401);
    assertThat(get("/v2/", USER, PASSWORD, "docker/1.5.0").status).isEqualTo(404);
  }

  @Test
  void theRegistryListensOnlyInsideThePod() {
    HostCommand.Result fromHost =
        HostCommand.run(
            TIMEOUT,
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "--max-time",
            "5",
            "http://" + pod.podIp() + ":5000/v2/");
    // 7: the connection was refused.
    assertThat(fromHost.exitCode()).as(fromHost.toString()).isEqualTo(7);

    HostCommand.Result insideThePod =
        pod.execInNetwork(
            TIMEOUT,
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "http://127.0.0.1:5000/v2/");
    assertThat(insideThePod.orThrow().stdout()).isEqualTo("200");
  }

  @Test
  void probesPassAndTheDeploymentCanBeReportedAvailable() {
    // The registry's liveness probe is an exec of wget inside the container.
    assertThat(pod.livenessProbeSucceeds("registry")).isTrue();
    assertThat(pod.livenessProbeSucceeds("proxy")).isTrue();

    pod.reportDeploymentAvailable();

    Deployment deployment =
        client
            .apps()
            .deployments()
            .inNamespace(Fixtures.NAMESPACE)
            .withName(names.deployment())
            .get();
    assertThat(deployment.getStatus().getAvailableReplicas()).isEqualTo(1);
    assertThat(deployment.getStatus().getConditions())
        .anySatisfy(
            condition -> {
              assertThat(condition.getType()).isEqualTo("Available");
              assertThat(condition.getStatus()).isEqualTo("True");
            });
  }

  @Test
  void htpasswdChangesReachTheRunningProxyWithoutARestart() {
    long nginxPid = pod.containerPid("proxy");
    int updatesBefore = pod.volumeUpdates();
    String bobLine = "bob:" + BCrypt.hashpw("builder password", BCrypt.gensalt(5)) + "\n";
    try {
      setHtpasswd(aliceLine + bobLine);
      await()
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> get("/v2/", "bob", "builder password").status == 200);
      assertThat(pod.volumeUpdates()).isGreaterThan(updatesBefore);

      setHtpasswd(aliceLine);
      await()
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> get("/v2/", "bob", "builder password").status == 401);
      assertThat(get("/v2/", USER, PASSWORD).status).isEqualTo(200);
    } finally {
      setHtpasswd(aliceLine);
    }
    assertThat(pod.containerPid("proxy")).isEqualTo(nginxPid);
    assertThat(pod.isRunning("proxy")).isTrue();
  }

  @Test
  void skopeoPushesAndPullsThroughTheProxyWithVerifiedTls() throws Exception {
    E2eTools.skopeo();
    OciImages.OciImage image = OciImages.withRandomLayer(work.resolve("image"), "v1", 1 << 20);
    String remote = "docker://" + names.inClusterHost(Fixtures.NAMESPACE) + ":15000/e2e/payload:v1";

    HostCommand.Result push =
        skopeo(
            "copy",
            "--dest-cert-dir",
            caDir.toString(),
            "--dest-creds",
            USER + ":" + PASSWORD,
            image.reference(),
            remote);
    assertThat(push.exitCode()).as(push + "\n" + pod.describe()).isZero();

    // The blob is in the registry's storage, the claim's directory.
    assertThat(OciImages.blobInRegistryStorage(pod.volumeDirectory("data"), image.layerDigest()))
        .isRegularFile()
        .hasSize(image.layerSize());

    Path pulled = work.resolve("pulled");
    HostCommand.Result pull =
        skopeo(
            "copy",
            "--src-cert-dir",
            caDir.toString(),
            "--src-creds",
            USER + ":" + PASSWORD,
            remote,
            "oci:" + pulled + ":v1");
    assertThat(pull.exitCode()).as(pull.toString()).isZero();
    Path layer = OciImages.blob(pulled, image.layerDigest());
    assertThat(layer).isRegularFile();
    assertThat(OciImages.digest(layer)).isEqualTo(image.layerDigest());
    assertThat(OciImages.blob(pulled, image.manifestDigest())).isRegularFile();

    HostCommand.Result wrongPassword =
        skopeo(
            "copy",
            "--src-cert-dir",
            caDir.toString(),
            "--src-creds",
            USER + ":nope",
            remote,
            "oci:" + work.resolve("denied") + ":v1");
    assertThat(wrongPassword.exitCode()).isNotZero();
  }

  @Test
  void aSecondPodGetsANetworkOfItsOwnAndCloseLeavesNothingBehind() {
    PodRunner second = PodRunner.start(client, Fixtures.NAMESPACE, names.deployment());
    String netns = second.networkNamespace();
    List<Long> pids = new ArrayList<>();
    try {
      second.awaitReady(TIMEOUT);
      second.containerNames().forEach(container -> pids.add(second.containerPid(container)));
      assertThat(second.podIp()).isNotEqualTo(pod.podIp());
      assertThat(second.podName()).isNotEqualTo(pod.podName()).startsWith(names.deployment() + "-");
      // Both pods' registries hold 127.0.0.1:5000: separate network namespaces.
      assertThat(
              second
                  .execInNetwork(
                      TIMEOUT,
                      "curl",
                      "-sS",
                      "-o",
                      "/dev/null",
                      "-w",
                      "%{http_code}",
                      "http://127.0.0.1:5000/v2/")
                  .orThrow()
                  .stdout())
          .isEqualTo("200");
    } finally {
      second.close();
    }
    assertThat(HostCommand.run(TIMEOUT, "ip", "netns", "list").orThrow().stdout())
        .doesNotContain(netns + " ", netns + "\n");
    assertThat(pids)
        .hasSize(pod.containerNames().size())
        .allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isEmpty());
    // The first pod is untouched.
    assertThat(get("/v2/", USER, PASSWORD).status).isEqualTo(200);
  }

  /**
   * The mount points of a container's mount namespace as the container sees them (field 5 of
   * mountinfo, relative to its root; no path here needs mountinfo's octal escapes).
   */
  private static List<String> mountPoints(String container) {
    return pod.exec(container, "cat", "/proc/self/mountinfo")
        .orThrow()
        .stdout()
        .lines()
        .map(line -> line.split(" ")[4])
        .toList();
  }

  private static void setHtpasswd(String content) {
    client
        .secrets()
        .inNamespace(Fixtures.NAMESPACE)
        .withName(names.htpasswdSecret())
        .edit(
            secret -> {
              secret.setData(SecretData.encode(Map.of(Keys.HTPASSWD, content)));
              return secret;
            });
  }

  private static HostCommand.Result skopeo(String... arguments) throws Exception {
    Path home = Files.createDirectories(work.resolve("skopeo-home"));
    Path policy = home.resolve("policy.json");
    // Signature policy, not TLS: the images are unsigned.
    Files.writeString(policy, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
    Path registries = home.resolve("registries.conf");
    Files.writeString(registries, "");
    Files.createDirectories(home.resolve("registries.d"));
    Files.createDirectories(home.resolve("tmp"));
    List<String> command =
        new ArrayList<>(
            List.of(
                "/usr/bin/skopeo",
                "--policy",
                policy.toString(),
                "--registries.d",
                home.resolve("registries.d").toString(),
                "--tmpdir",
                home.resolve("tmp").toString()));
    command.addAll(List.of(arguments));
    return dns.run(
        Duration.ofMinutes(2),
        Map.of(
            "PATH", "/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME", home.toString(),
            "XDG_RUNTIME_DIR", home.toString(),
            "REGISTRY_AUTH_FILE", home.resolve("auth.json").toString(),
            "CONTAINERS_REGISTRIES_CONF", registries.toString()),
        command);
  }

  private static Response get(String path, String user, String password) {
    return get(path, user, password, null);
  }

  /** A GET with curl, through the Service's name, verifying the certificate against the CA. */
  private static Response get(String path, String user, String password, String userAgent) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "/usr/bin/curl",
                "-sS",
                "--max-time",
                "10",
                "--cacert",
                caDir.resolve("ca.crt").toString(),
                "-D",
                "-",
                "-o",
                "/dev/null",
                "-w",
                "\n%{http_code}"));
    if (user != null) {
      command.addAll(List.of("-u", user + ":" + password));
    }
    if (userAgent != null) {
      command.addAll(List.of("-A", userAgent));
    }
    command.add("https://" + names.inClusterHost(Fixtures.NAMESPACE) + ":15000" + path);
    HostCommand.Result result =
        dns.run(TIMEOUT, Map.of("PATH", "/usr/bin:/bin"), command).orThrow();
    String[] lines = result.stdout().split("\r?\n");
    return new Response(
        Integer.parseInt(lines[lines.length - 1].trim()),
        List.of(lines).subList(0, lines.length - 1));
  }

  private record Response(int status, List<String> headerLines) {
    List<String> headers(String name) {
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      return headerLines.stream()
          .filter(line -> line.toLowerCase(Locale.ROOT).startsWith(prefix))
          .map(line -> line.substring(prefix.length()).trim())
          .toList();
    }
  }
}
