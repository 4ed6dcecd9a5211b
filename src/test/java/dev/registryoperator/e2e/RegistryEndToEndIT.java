package dev.registryoperator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.it.RealApiServer;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.roster.Htpasswd;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: the operator as production assembles it, on a real kube-apiserver 1.20.2, turns a
 * PrivateRegistry and its RegistryUsers into a Deployment, Secrets and ConfigMaps; the pod runner
 * runs that Deployment with the real registry (distribution 2.8.2) and nginx; skopeo and curl talk
 * to it as in-cluster clients, through the Service's name on port 15000, verifying TLS against the
 * CA bundle the operator published and authenticating with the credentials the operator handed out
 * (pull Secret, generated password Secret).
 *
 * <p>One API server, one registry and one pod serve the class; each test brings users of its own.
 * The registry keeps the production defaults (bcrypt cost 10).
 */
@ExtendWith(EndToEndMachine.class)
class RegistryEndToEndIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final Duration SKOPEO_TIMEOUT = Duration.ofMinutes(2);
  private static final int MIB = 1 << 20;
  private static final String API_VERSION_HEADER = "Docker-Distribution-Api-Version";

  @TempDir static Path work;

  private static OperatedRegistry registry;
  private static Skopeo skopeo;

  /** The pod's processes when the class started: no test may restart or reload them. */
  private static PodProcesses processesAtStart;

  /** On failure, the pod's logs: registry and nginx say what they refused and why. */
  @RegisterExtension
  final TestWatcher podLogsOnFailure =
      new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
          if (registry != null) {
            System.out.printf(
                "[e2e] %s failed; %s%n", context.getDisplayName(), registry.describe());
          }
        }
      };

  @BeforeAll
  static void runTheRegistry() {
    registry = OperatedRegistry.start(API, work, "demo", "spec: {}");
    skopeo = Skopeo.withHome(work.resolve("skopeo"));
    processesAtStart = PodProcesses.of(registry.pod());
  }

  @AfterAll
  static void stopTheRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void pushAndPullA64MiBImageWithTheCredentialsTheOperatorHandedOut() {
    registry.createUser("alice", "");
    registry.awaitUserReady("alice");
    String password = registry.generatedPassword("alice");
    registry.awaitLogin("alice", password, 200);

    // The pull Secret names the proxy by the host clients use and carries the published CA.
    Secret pullSecret = registry.secret(OperatedRegistry.userNames("alice").pullSecret());
    assertThat(pullSecret.getType()).isEqualTo(Keys.DOCKER_CONFIG_TYPE);
    assertThat(dockerConfigOf("alice")).contains("\"" + registry.proxyHost() + "\"");
    assertThat(SecretData.decode(pullSecret, Keys.CA_CERT)).contains(registry.publishedCa());

    OciImages.OciImage image =
        OciImages.withRandomLayer(work.resolve("alice-image"), "v1", 64L * MIB);
    String remote = registry.proxyReference("team/payload:v1");

    // Push with the pull Secret's docker config as skopeo's auth file.
    HostCommand.Result push =
        skopeo.through(
            registry.dns(),
            SKOPEO_TIMEOUT,
            "copy",
            "--dest-authfile",
            registry.authFileOf("alice").toString(),
            "--dest-cert-dir",
            registry.caDir().toString(),
            image.reference(),
            remote);
    assertThat(push.exitCode()).as(push.toString()).isZero();

    // The layer went through nginx into the registry's storage, byte for byte.
    assertThat(
            OciImages.blobInRegistryStorage(
                registry.pod().volumeDirectory("data"), image.layerDigest()))
        .isRegularFile()
        .hasSize(image.layerSize());

    // Pull with the generated password from the user's password Secret.
    Path pulled = work.resolve("alice-pulled");
    HostCommand.Result pull =
        skopeo.through(
            registry.dns(),
            SKOPEO_TIMEOUT,
            "copy",
            "--src-creds",
            "alice:" + password,
            "--src-cert-dir",
            registry.caDir().toString(),
            remote,
            "oci:" + pulled + ":v1");
    assertThat(pull.exitCode()).as(pull.toString()).isZero();
    assertThat(OciImages.digest(OciImages.blob(pulled, image.layerDigest())))
        .isEqualTo(image.layerDigest());
    assertThat(OciImages.blob(pulled, image.manifestDigest())).isRegularFile();
    assertThat(OciImages.blob(pulled, image.configDigest())).isRegularFile();
  }

  @Test
  void aWrongPasswordIsRefusedWith401() {
    registry.createUser("bob", "");
    registry.awaitUserReady("bob");
    String password = registry.generatedPassword("bob");
    registry.awaitLogin("bob", password, 200);

    assertThat(registry.get("/v2/", "bob", password + "x").status()).isEqualTo(401);
    assertThat(registry.get("/v2/", "bob", "").status()).isEqualTo(401);
    assertThat(registry.get("/v2/", null, null).status()).isEqualTo(401);
    assertThat(registry.get("/v2/team/payload/tags/list", "bob", "not the password").status())
        .isEqualTo(401);

    HostCommand.Result denied =
        skopeo.through(
            registry.dns(),
            SKOPEO_TIMEOUT,
            "inspect",
            "--raw",
            "--creds",
            "bob:not the password",
            "--cert-dir",
            registry.caDir().toString(),
            registry.proxyReference("team/payload:v1"));
    assertThat(denied.exitCode()).as(denied.toString()).isNotZero();
    assertThat(denied.stderr()).as(denied.toString()).containsIgnoringCase("unauthorized");
  }

  @Test
  void aUserAddedWhileThePodRunsCanPushWithoutAPodRestart() {
    PodProcesses before = PodProcesses.of(registry.pod());
    int volumeUpdatesBefore = registry.pod().volumeUpdates();

    registry.createUser("carol", "");
    registry.awaitUserReady("carol");
    String password = registry.generatedPassword("carol");
    registry.awaitLogin("carol", password, 200);

    OciImages.OciImage image = OciImages.withRandomLayer(work.resolve("carol-image"), "v1", MIB);
    HostCommand.Result push =
        skopeo.through(
            registry.dns(),
            SKOPEO_TIMEOUT,
            "copy",
            "--dest-creds",
            "carol:" + password,
            "--dest-cert-dir",
            registry.caDir().toString(),
            image.reference(),
            registry.proxyReference("carol/app:v1"));
    assertThat(push.exitCode()).as(push.toString()).isZero();

    assertThat(registry.pod().volumeUpdates())
        .as("the new htpasswd arrived as a Secret volume update")
        .isGreaterThan(volumeUpdatesBefore);
    assertThat(PodProcesses.of(registry.pod()))
        .as("registry and nginx (master and workers): neither restarted nor reloaded")
        .isEqualTo(before)
        .isEqualTo(processesAtStart);
    assertThat(registry.pod().isOutdated())
        .as("the operator left the pod template alone: a cluster would not have replaced the pod")
        .isFalse();
  }

  /**
   * 1.20 has no garbage collector: the deleted user's owned Secrets stay. The registry's htpasswd
   * is assembled from existing users only, so the user is gone from it all the same.
   */
  @Test
  void aDeletedUserIsRefused() {
    registry.createUser("dave", "");
    registry.createUser("erin", "");
    registry.awaitUserReady("dave");
    registry.awaitUserReady("erin");
    String davePassword = registry.generatedPassword("dave");
    String erinPassword = registry.generatedPassword("erin");
    registry.awaitLogin("dave", davePassword, 200);
    registry.awaitLogin("erin", erinPassword, 200);

    registry.deleteUser("dave");

    registry.awaitLogin("dave", davePassword, 401);
    assertThat(htpasswdUsers()).contains("erin").doesNotContain("dave");
    assertThat(registry.secret(OperatedRegistry.userNames("dave").entrySecret()))
        .as("dave's entry Secret, left behind by the absent garbage collector")
        .isNotNull();
    assertThat(registry.get("/v2/", "erin", erinPassword).status()).isEqualTo(200);
    assertThat(PodProcesses.of(registry.pod())).isEqualTo(processesAtStart);
  }

  @Test
  void aPasswordChangedInTheReferencedSecretTakesEffect() {
    String oldPassword = "frank's first password";
    String newPassword = "frank's second password";
    registry.putPasswordSecret("frank-credentials", oldPassword);
    registry.createUser("frank", "passwordSecretRef: {name: frank-credentials}");
    registry.awaitUserReady("frank");
    registry.awaitLogin("frank", oldPassword, 200);

    registry.putPasswordSecret("frank-credentials", newPassword);

    registry.awaitLogin("frank", newPassword, 200);
    assertThat(registry.get("/v2/", "frank", oldPassword).status()).isEqualTo(401);

    // The pull Secret follows: a push with it works with the new password.
    String newAuth =
        Base64.getEncoder()
            .encodeToString(("frank:" + newPassword).getBytes(StandardCharsets.UTF_8));
    OperatedRegistry.await("frank's pull Secret to carry the new password")
        .until(() -> dockerConfigOf("frank").contains(newAuth));
    OciImages.OciImage image = OciImages.withRandomLayer(work.resolve("frank-image"), "v1", MIB);
    HostCommand.Result push =
        skopeo.through(
            registry.dns(),
            SKOPEO_TIMEOUT,
            "copy",
            "--dest-authfile",
            registry.authFileOf("frank").toString(),
            "--dest-cert-dir",
            registry.caDir().toString(),
            image.reference(),
            registry.proxyReference("frank/app:v1"));
    assertThat(push.exitCode()).as(push.toString()).isZero();
    assertThat(PodProcesses.of(registry.pod())).isEqualTo(processesAtStart);
  }

  @Test
  void theProxySpeaksTheRegistryProtocolOnceAndRefusesOldDockerClients() {
    registry.createUser("grace", "");
    registry.awaitUserReady("grace");
    String password = registry.generatedPassword("grace");
    registry.awaitLogin("grace", password, 200);

    // Answered by nginx (401), by the registry (200), and a registry error (404).
    OperatedRegistry.Answer anonymous = registry.get("/v2/", null, null);
    OperatedRegistry.Answer base = registry.get("/v2/", "grace", password);
    OperatedRegistry.Answer unknown =
        registry.get("/v2/nothing/here/manifests/latest", "grace", password);
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.headers("WWW-Authenticate"))
        .singleElement()
        .asString()
        .startsWith("Basic realm=");
    assertThat(base.status()).isEqualTo(200);
    assertThat(unknown.status()).isEqualTo(404);
    for (OperatedRegistry.Answer answer :
        new OperatedRegistry.Answer[] {anonymous, base, unknown}) {
      assertThat(answer.headers(API_VERSION_HEADER))
          .as(answer.toString())
          .containsExactly("registry/2.0");
    }

    // docker 1.5 mishandles /v2/: it is told there is none, credentials or not.
    assertThat(registry.request("GET", "/v2/", "grace", password, "docker/1.5.0").status())
        .isEqualTo(404);
    assertThat(registry.request("GET", "/v2/", null, null, "docker/1.5.0").status()).isEqualTo(404);
    assertThat(registry.request("GET", "/v2/", "grace", password, "docker/1.6.0").status())
        .isEqualTo(200);
  }

  /** The other tests' verified TLS means something: without the published CA, clients refuse. */
  @Test
  void clientsTrustTheProxyOnlyThroughThePublishedCa() {
    HostCommand.Result curl =
        registry
            .dns()
            .run(
                Duration.ofSeconds(20),
                "curl",
                "-sS",
                "-o",
                "/dev/null",
                "--max-time",
                "5",
                "https://" + registry.proxyHost() + "/v2/");
    // 60: the peer's certificate cannot be authenticated with known CA certificates.
    assertThat(curl.exitCode()).as(curl.toString()).isEqualTo(60);

    HostCommand.Result inspect =
        skopeo.through(
            registry.dns(),
            SKOPEO_TIMEOUT,
            "inspect",
            "--raw",
            "--creds",
            "nobody:nothing",
            registry.proxyReference("team/payload:v1"));
    assertThat(inspect.exitCode()).as(inspect.toString()).isNotZero();
    assertThat(inspect.stderr())
        .as(inspect.toString())
        .contains("certificate signed by unknown authority");
  }

  @Test
  void theRegistryPortIsReachableOnlyInsideThePod() {
    String podIp = registry.pod().podIp();
    String serviceName = registry.names().inClusterHost(registry.namespace());
    // The registry's port and its debug port, by pod IP and by the Service's name.
    for (String address : List.of(podIp + ":5000", podIp + ":5001", serviceName + ":5000")) {
      HostCommand.Result fromOutside =
          registry
              .dns()
              .run(
                  Duration.ofSeconds(20),
                  "curl",
                  "-sS",
                  "-o",
                  "/dev/null",
                  "--max-time",
                  "5",
                  "http://" + address + "/v2/");
      // 7: connection refused. Nothing listens on the pod IP but the proxy.
      assertThat(fromOutside.exitCode()).as(fromOutside.toString()).isEqualTo(7);
    }
    // It is there, on the pod's loopback, for the proxy.
    HostCommand.Result inside =
        registry
            .pod()
            .execInNetwork(
                Duration.ofSeconds(20),
                "curl",
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "http://127.0.0.1:5000/v2/");
    assertThat(inside.orThrow().stdout()).isEqualTo("200");
  }

  @Test
  void prometheusScrapesTheRegistrysMetricsOnTheMetricsPortAndNothingElseOfItsDebugListener() {
    registry.createUser("metrics-reader", "");
    registry.awaitUserReady("metrics-reader");
    String password = registry.generatedPassword("metrics-reader");
    registry.awaitLogin("metrics-reader", password, 200);
    String metricsUrl = "http://" + registry.pod().podIp() + ":9091";

    // The registry counts the request it just answered through the proxy.
    assertThat(registry.scrapeMetricsPort("/metrics"))
        .containsPattern("(?m)^registry_http_requests_total\\{[^}]*\\} [1-9]")
        .containsPattern("(?m)^go_goroutines [1-9]");
    for (String debugPath : List.of("/debug/pprof/", "/debug/vars", "/debug/health", "/v2/")) {
      HostCommand.Result refused =
          registry
              .dns()
              .run(
                  Duration.ofSeconds(20),
                  "curl",
                  "-sS",
                  "-o",
                  "/dev/null",
                  "-w",
                  "%{http_code}",
                  metricsUrl + debugPath);
      assertThat(refused.orThrow().stdout()).as(debugPath).isEqualTo("404");
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static String dockerConfigOf(String user) {
    Secret pullSecret = registry.secret(OperatedRegistry.userNames(user).pullSecret());
    return SecretData.decode(pullSecret, Keys.DOCKER_CONFIG).orElseThrow();
  }

  private static Set<String> htpasswdUsers() {
    Secret htpasswd = registry.secret(registry.names().htpasswdSecret());
    return Htpasswd.parse(SecretData.decode(htpasswd, Keys.HTPASSWD).orElse("")).keySet();
  }
}
