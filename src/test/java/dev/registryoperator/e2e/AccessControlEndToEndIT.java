package dev.registryoperator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.registryoperator.access.Action;
import dev.registryoperator.api.v1alpha1.AuthSpec.AuthMode;
import dev.registryoperator.api.v1alpha1.RegistryUserSpec.SecretKeyRef;
import dev.registryoperator.it.RealApiServer;
import dev.registryoperator.testing.SecretScan;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-repository permissions, anonymous pulls, the catalog, removed users, rotated passwords and
 * throttled logins, with real clients (skopeo, curl) against the real registry, nginx and auth
 * server, in Basic mode, then in Token mode on the same live registry, then back: both modes apply
 * the same rules, and switching keeps every image.
 *
 * <p>The users: {@code admin} has no access list (everything, as before access lists existed);
 * {@code writer} may pull and push {@code team-a/*} and list the catalog; {@code reader} may only
 * pull {@code team-a/*}. Anyone may pull {@code public/*}.
 */
@ExtendWith(EndToEndMachine.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AccessControlEndToEndIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final Duration SKOPEO_TIMEOUT = Duration.ofMinutes(2);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;

  private static OperatedRegistry registry;
  private static Skopeo skopeo;
  private static String admin;
  private static String writer;
  private static String reader;

  @BeforeAll
  static void runTheRegistryWithItsUsers() {
    registry =
        OperatedRegistry.start(API, work, "demo", "spec: {auth: {anonymousPull: [\"public/*\"]}}");
    skopeo = Skopeo.withHome(work.resolve("skopeo"));
    registry.createUser("admin", "");
    registry.createUser(
        "writer",
        """
        catalog: true
        access:
          - repositories: ["team-a/*"]
            actions: [pull, push]
        """);
    registry.createUser(
        "reader",
        """
        access:
          - repositories: ["team-a/*"]
            actions: [pull]
        """);
    for (String user : List.of("admin", "writer", "reader")) {
      registry.awaitUserReady(user);
    }
    admin = registry.generatedPassword("admin");
    writer = registry.generatedPassword("writer");
    reader = registry.generatedPassword("reader");
    // Each user's entry reaches the pod's htpasswd on its own: the users reconcile concurrently,
    // so the file with one of them may still lack another.
    registry.awaitLogin("admin", admin, 200);
    registry.awaitLogin("writer", writer, 200);
    registry.awaitLogin("reader", reader, 200);
  }

  @AfterAll
  static void stopTheRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  @Order(1)
  void basicModeAppliesTheAccessLists() {
    assertThat(registry.awaitUserReady("reader").getStatus().access).isEqualTo("pull on team-a/*");
    pushAndCheckTheRules("basic");

    // The catalog: its own permission.
    assertThat(registry.get("/v2/_catalog", "writer", writer).status()).isEqualTo(200);
    assertThat(registry.body("/v2/_catalog", "writer", writer))
        .contains("team-a/app-basic", "public/base-basic");
    assertThat(registry.get("/v2/_catalog", "reader", reader).status()).isEqualTo(403);
  }

  @Test
  @Order(2)
  void basicModeThrottlesRepeatedWrongPasswordsOfOneUserOnly() {
    List<Integer> answers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      answers.add(registry.get("/v2/", "writer", "wrong password " + i).status());
    }
    assertThat(answers).startsWith(401, 401, 401, 401, 401).endsWith(429);
    OperatedRegistry.Answer throttled = registry.get("/v2/", "writer", writer);
    assertThat(throttled.status()).as("even the right password waits").isEqualTo(429);
    assertThat(throttled.headers("Retry-After"))
        .singleElement()
        .satisfies(seconds -> assertThat(seconds).matches("[1-9][0-9]*"));
    assertThat(registry.get("/v2/", "reader", reader).status())
        .as("another user is not throttled")
        .isEqualTo(200);

    // Counted, and scraped where Prometheus scrapes the registry: the metrics port, not 15000.
    String metrics = registry.scrapeMetricsPort("/auth-server/metrics");
    assertThat(metrics)
        .containsPattern("registry_auth_throttled_total\\{[^}]*endpoint=\"auth\"[^}]*\\} [1-9]")
        .containsPattern("registry_auth_cache_hits_total(\\{[^}]*\\})? [1-9]");
  }

  @Test
  @Order(3)
  void aChangedAccessListAppliesWithinSecondsWithoutAPodRestart() {
    PodProcesses before = PodProcesses.of(registry.pod());
    registry.editUser(
        "reader", user -> user.getSpec().access.get(0).actions = List.of(Action.pull, Action.push));

    OperatedRegistry.await("reader to be allowed to push")
        .until(
            () ->
                registry
                        .request("POST", "/v2/team-a/reader/blobs/uploads/", "reader", reader, null)
                        .status()
                    == 202);
    assertThat(PodProcesses.of(registry.pod())).isEqualTo(before);
  }

  @Test
  @Order(4)
  void basicModeForgetsARotatedPasswordAndARemovedUserWithinSeconds() {
    registry.putPasswordSecret("rotating-password", "the first password");
    registry.createUser("rotating", "passwordSecretRef: {name: rotating-password}");
    registry.createUser("leaving", "");
    registry.awaitUserReady("rotating");
    registry.awaitUserReady("leaving");
    String leaving = registry.generatedPassword("leaving");
    // Logged in once: both are in the auth server's verified-credential cache now.
    registry.awaitLogin("rotating", "the first password", 200);
    registry.awaitLogin("leaving", leaving, 200);

    long changed = System.nanoTime();
    registry.putPasswordSecret("rotating-password", "the second password");
    registry.deleteUser("leaving");

    registry.awaitLogin("rotating", "the first password", 401);
    registry.awaitLogin("rotating", "the second password", 200);
    registry.awaitLogin("leaving", leaving, 401);
    Duration took = Duration.ofNanos(System.nanoTime() - changed);
    System.out.printf(
        "[e2e] rotated password and removed user refused after %d ms%n", took.toMillis());
    assertThat(took)
        .as("old credentials stop working within seconds")
        .isLessThan(Duration.ofSeconds(10));
  }

  @Test
  @Order(5)
  void switchingALiveRegistryToTokenModeKeepsEveryImageAndTheRules() {
    registry.editRegistry(r -> r.getSpec().auth.mode = AuthMode.Token);
    registry.replacePod();

    // What was pushed in Basic mode is still there.
    assertPulls("reader", reader, "team-a/app-basic:v1");
    assertPulls(null, null, "public/base-basic:v1");

    // The challenge names the token endpoint at the address this client used.
    OperatedRegistry.Answer challenge = registry.get("/v2/", null, null);
    assertThat(challenge.status()).isEqualTo(401);
    assertThat(challenge.headers("WWW-Authenticate"))
        .singleElement()
        .satisfies(
            header ->
                assertThat(header)
                    .startsWith("Bearer realm=\"https://" + registry.proxyHost() + "/token\""));

    // Undo order 3's change: the rules must match the Basic-mode checks below.
    registry.editUser(
        "reader", user -> user.getSpec().access.get(0).actions = List.of(Action.pull));
    OperatedRegistry.await("reader to be pull-only again")
        .until(
            () ->
                !tokenActions("reader", reader, "team-a/app-basic", "pull,push").contains("push"));
    pushAndCheckTheRules("token");

    // The catalog needs the catalog permission in the token too.
    assertThat(
            registry
                .requestWithToken(
                    "GET", "/v2/_catalog", token("writer", writer, "registry:catalog:*"))
                .status())
        .isEqualTo(200);
    assertThat(
            registry
                .requestWithToken(
                    "GET", "/v2/_catalog", token("reader", reader, "registry:catalog:*"))
                .status())
        .isEqualTo(401);
  }

  @Test
  @Order(6)
  void tokenModeIssuesNothingForWrongOrOldCredentialsAndThrottlesThem() {
    String scope = "repository:team-a/app-basic:pull";
    assertThat(tokenStatus("admin", "not the password", scope)).isEqualTo(401);

    // A rotated password: the old one gets no token within seconds, the new one does.
    registry.putPasswordSecret("admin-own-password", "a brand new password");
    registry.editUser(
        "admin",
        user -> {
          user.getSpec().passwordSecretRef = new SecretKeyRef();
          user.getSpec().passwordSecretRef.name = "admin-own-password";
        });
    OperatedRegistry.await("the old password to stop working")
        .until(() -> tokenStatus("admin", admin, scope) == 401);
    assertThat(tokenStatus("admin", "a brand new password", scope)).isEqualTo(200);

    // A removed user gets no token.
    registry.deleteUser("writer");
    OperatedRegistry.await("the removed user to stop working")
        .until(() -> tokenStatus("writer", writer, scope) == 401);

    List<Integer> answers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      answers.add(tokenStatus("reader", "wrong password " + i, scope));
    }
    assertThat(answers).startsWith(401, 401, 401, 401, 401).endsWith(429);
  }

  @Test
  @Order(7)
  void switchingBackToBasicKeepsEveryImage() {
    registry.editRegistry(r -> r.getSpec().auth.mode = AuthMode.Basic);
    registry.replacePod();

    assertPulls("admin", "a brand new password", "team-a/app-token:v1");
    assertPulls("admin", "a brand new password", "team-a/app-basic:v1");
    assertPulls(null, null, "public/base-token:v1");
    assertThat(registry.get("/v2/", "writer", writer).status()).isEqualTo(401);
  }

  /**
   * The same rules in either mode: admin pushes anywhere, writer to team-a only, reader nowhere;
   * reader pulls team-a, not team-b; anyone pulls public, nothing else.
   */
  private void pushAndCheckTheRules(String suffix) {
    OciImages.OciImage image =
        OciImages.withRandomLayer(work.resolve("image-" + suffix), "v1", 1 << 20);
    assertThat(push("writer", writer, image, "team-a/app-" + suffix + ":v1")).isTrue();
    assertThat(push("admin", admin, image, "public/base-" + suffix + ":v1")).isTrue();
    assertThat(push("admin", admin, image, "team-b/app-" + suffix + ":v1")).isTrue();

    assertThat(push("reader", reader, image, "team-a/app-" + suffix + ":v2"))
        .as("a pull-only user cannot push")
        .isFalse();
    assertThat(push("writer", writer, image, "team-b/app-" + suffix + ":v2"))
        .as("a team-a writer cannot push to team-b")
        .isFalse();

    assertPulls("reader", reader, "team-a/app-" + suffix + ":v1");
    assertPullRefused("reader", reader, "team-b/app-" + suffix + ":v1");
    assertPulls(null, null, "public/base-" + suffix + ":v1");
    assertPullRefused(null, null, "team-a/app-" + suffix + ":v1");
  }

  private boolean push(String user, String password, OciImages.OciImage image, String target) {
    HostCommand.Result push =
        skopeo.through(
            registry.dns(),
            SKOPEO_TIMEOUT,
            "copy",
            "--dest-creds",
            user + ":" + password,
            "--dest-cert-dir",
            registry.caDir().toString(),
            image.reference(),
            registry.proxyReference(target));
    if (push.exitCode() != 0) {
      // A refusal, not some other failure: a HEAD has no body to say "denied" in.
      assertThat(push.stderr())
          .as(push.toString())
          .containsAnyOf("denied", "403 (Forbidden)", "unauthorized");
    }
    return push.exitCode() == 0;
  }

  private HostCommand.Result inspect(String user, String password, String reference) {
    List<String> arguments = new ArrayList<>(List.of("inspect", "--raw"));
    arguments.addAll(
        user == null ? List.of("--no-creds") : List.of("--creds", user + ":" + password));
    arguments.addAll(
        List.of("--cert-dir", registry.caDir().toString(), registry.proxyReference(reference)));
    return skopeo.through(registry.dns(), SKOPEO_TIMEOUT, arguments.toArray(String[]::new));
  }

  private void assertPulls(String user, String password, String reference) {
    HostCommand.Result result = inspect(user, password, reference);
    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.stdout()).contains("\"layers\"");
  }

  private void assertPullRefused(String user, String password, String reference) {
    HostCommand.Result result = inspect(user, password, reference);
    assertThat(result.exitCode()).as(result.toString()).isNotZero();
    assertThat(result.stderr())
        .as(result.toString())
        .containsAnyOf("denied", "unauthorized", "authentication required");
  }

  private String tokenUrl(String scope) {
    return "/token?service="
        + URLEncoder.encode(
            registry.names().inClusterHost(registry.namespace()), StandardCharsets.UTF_8)
        + "&scope="
        + URLEncoder.encode(scope, StandardCharsets.UTF_8);
  }

  private String token(String user, String password, String scope) {
    try {
      JsonNode answer = JSON.readTree(registry.body(tokenUrl(scope), user, password));
      return answer.get("token").asText();
    } catch (Exception e) {
      throw new AssertionError("no token for " + user + " and " + scope, e);
    }
  }

  private int tokenStatus(String user, String password, String scope) {
    return registry.get(tokenUrl(scope), user, password).status();
  }

  /** The actions a token for the scope grants on its repository, read from the JWT's claims. */
  private String tokenActions(String user, String password, String repository, String actions) {
    String jwt = token(user, password, "repository:" + repository + ":" + actions);
    try {
      JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
      return claims.get("access").toString();
    } catch (Exception e) {
      throw new AssertionError("unreadable token", e);
    }
  }

  /**
   * Last, after both modes: the logs of nginx, the registry and the auth server, of every pod the
   * registry ran, hold no password, hash, key or token (the operator's own output, Events, statuses
   * and ConfigMaps are scanned by {@link RealApiServer} after the class).
   */
  @Test
  @Order(8)
  void noContainerLogsSecretMaterial() {
    SecretScan scan = SecretScan.of(API.client());
    registry.containerLogs().forEach((file, log) -> scan.text(file.toString(), log));
    System.out.printf("[e2e] secret scan of the pods' logs: %s%n", scan.summary());
    assertThat(scan.findings())
        .as("secret material in the containers' logs (the material itself is not shown)")
        .isEmpty();
  }
}
