package dev.registryoperator.authserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.SignedJWT;
import dev.registryoperator.access.AccessFile;
import dev.registryoperator.access.Action;
import dev.registryoperator.access.Grant;
import dev.registryoperator.access.Permissions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mindrot.jbcrypt.BCrypt;

/** The server end to end over loopback, as nginx and registry clients talk to it. */
class AuthServerTest {

  private static final String ALICE_PASSWORD = "alice-Pa55word!";
  private static final String BOB_PASSWORD = "bob-Pa55word!";
  private static final String DIGEST =
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static TokenKeys keys;

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> secrets = new ArrayList<>();
  private SecretVolume auth;
  private SecretVolume token;
  private AuthServer server;
  private String aliceHash;

  @BeforeAll
  static void keys() {
    keys = TokenKeys.generate();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static final String ACCESS =
      AccessFile.of(
              List.of(new Grant(List.of("public/*"), List.of(Action.pull))),
              Map.of(
                  "alice",
                  new Permissions(
                      List.of(new Grant(List.of("team-a/*"), List.of(Action.pull, Action.push))),
                      false),
                  "bob",
                  Permissions.UNRESTRICTED))
          .render();

  private String htpasswd(String alicePassword) {
    aliceHash = BCrypt.hashpw(alicePassword, BCrypt.gensalt(4));
    secrets.add(aliceHash);
    String bobHash = BCrypt.hashpw(BOB_PASSWORD, BCrypt.gensalt(4));
    secrets.add(bobHash);
    // bob's entry as Apache's htpasswd writes it
    return "alice:" + aliceHash + "\nbob:$2y$" + bobHash.substring(4) + "\n";
  }

  private void start(boolean tokenMode, boolean writeFiles) throws Exception {
    auth = new SecretVolume(dir.resolve("auth"));
    token = new SecretVolume(dir.resolve("token"));
    secrets.add(ALICE_PASSWORD);
    secrets.add(BOB_PASSWORD);
    if (writeFiles) {
      auth.write(Map.of("htpasswd", htpasswd(ALICE_PASSWORD), "access.json", ACCESS));
      token.write(Map.of("tls.key", keys.keyPem(), "tls.crt", keys.chainPem()));
    }
    AuthServer.Config config =
        new AuthServer.Config(
            new InetSocketAddress("127.0.0.1", 0),
            auth.path("htpasswd"),
            auth.path("access.json"),
            "Registry \"test\"",
            tokenMode
                ? Optional.of(
                    new AuthServer.TokenConfig(
                        token.path("tls.key"),
                        token.path("tls.crt"),
                        "test-issuer",
                        "test-registry",
                        Duration.ofSeconds(300),
                        Duration.ofHours(1)))
                : Optional.empty(),
            100,
            Duration.ofMinutes(5),
            new LoginThrottle.Settings(
                5, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(15), 1000),
            4,
            Duration.ofMillis(200));
    server = AuthServer.start(config, Clock.systemUTC());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** What nginx's auth_request sends for a client request. */
  private HttpResponse<String> auth(String method, String originalUri, String authorization)
      throws Exception {
    return auth(method, originalUri, authorization, "10.1.2.3");
  }

  private HttpResponse<String> auth(
      String method, String originalUri, String authorization, String clientIp) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri("/auth"))
            .GET()
            .header("X-Original-Method", method)
            .header("X-Original-URI", originalUri)
            .header("X-Real-IP", clientIp);
    if (authorization != null) {
      request.header("Authorization", authorization);
      secrets.add(authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path, String authorization) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path)).GET().header("X-Real-IP", "10.9.9.9");
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, Map<String, String> form) throws Exception {
    StringBuilder body = new StringBuilder();
    form.forEach(
        (k, v) ->
            body.append(body.length() == 0 ? "" : "&")
                .append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    HttpRequest request =
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-Real-IP", "10.9.9.9")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private double bcrypts() {
    return server.metricsRegistry().bcryptVerifications.count();
  }

  // ---- /auth ----------------------------------------------------------------------------------

  @Test
  void answersNginxAuthRequestsAsTheRegistryApiNeeds() throws Exception {
    start(false, true);
    String alice = basic("alice", ALICE_PASSWORD);

    HttpResponse<String> ok = auth("PUT", "/v2/team-a/app/manifests/v1", alice);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("X-Auth-User")).contains("alice");
    assertThat(ok.headers().firstValue("X-Auth-Strip-Mount")).isEmpty();

    HttpResponse<String> forbidden = auth("DELETE", "/v2/team-a/app/manifests/v1", alice);
    assertThat(forbidden.statusCode()).isEqualTo(403);
    assertThat(forbidden.body()).isEmpty();
    assertThat(auth("GET", "/v2/_catalog", alice).statusCode()).isEqualTo(403);
    assertThat(auth("GET", "/v2/_catalog", basic("bob", BOB_PASSWORD)).statusCode()).isEqualTo(200);

    HttpResponse<String> anonymous = auth("GET", "/v2/team-a/app/manifests/v1", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate"))
        .contains("Basic realm=\"Registry \\\"test\\\"\"");
    HttpResponse<String> base = auth("GET", "/v2/", null);
    assertThat(base.statusCode()).isEqualTo(401);
    assertThat(auth("GET", "/v2/", alice).statusCode()).isEqualTo(200);

    HttpResponse<String> publicPull = auth("GET", "/v2/public/base/blobs/" + DIGEST, null);
    assertThat(publicPull.statusCode()).isEqualTo(200);
    assertThat(publicPull.headers().firstValue("X-Auth-User")).isEmpty();

    HttpResponse<String> wrong = auth("GET", "/v2/team-a/app/manifests/v1", basic("alice", "no"));
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.headers().firstValue("WWW-Authenticate")).isPresent();
    assertThat(auth("GET", "/v2/public/base/manifests/v1", basic("alice", "no")).statusCode())
        .as("wrong credentials still get what anonymous clients get")
        .isEqualTo(200);
    assertThat(auth("GET", "/v2/team-a/app/manifests/v1", "Bearer abc").statusCode())
        .isEqualTo(401);

    assertThat(auth("GET", "/v2/team-a/../team-b/app/manifests/v1", alice).statusCode())
        .isEqualTo(403);
    assertThat(auth("GET", "/v2/team-a%2Fapp/manifests/v1", alice).statusCode()).isEqualTo(403);
    assertThat(auth("GET", "/v2/team-a/app/manifests/v1", null).statusCode()).isEqualTo(401);
    assertThat(auth("GET", "/etc/passwd", null).statusCode()).isEqualTo(403);
    assertThat(auth("TRACE", "/v2/team-a/app/manifests/v1", alice).statusCode()).isEqualTo(403);
  }

  @Test
  void stripsAMountFromARepositoryTheClientMayNotPull() throws Exception {
    start(false, true);
    String alice = basic("alice", ALICE_PASSWORD);
    String upload = "/v2/team-a/app/blobs/uploads/?mount=" + DIGEST + "&from=";

    HttpResponse<String> allowedMount = auth("POST", upload + "public%2Fbase", alice);
    assertThat(allowedMount.statusCode()).isEqualTo(200);
    assertThat(allowedMount.headers().firstValue("X-Auth-Strip-Mount")).isEmpty();

    HttpResponse<String> strippedMount = auth("POST", upload + "team-b%2Fsecret", alice);
    assertThat(strippedMount.statusCode()).isEqualTo(200);
    assertThat(strippedMount.headers().firstValue("X-Auth-Strip-Mount")).contains("1");
    assertThat(strippedMount.headers().firstValue("X-Auth-User")).contains("alice");
  }

  @Test
  void paysOneBcryptPerUserNotPerRequest() throws Exception {
    start(false, true);
    String alice = basic("alice", ALICE_PASSWORD);
    for (int i = 0; i < 20; i++) {
      assertThat(auth("GET", "/v2/team-a/app/blobs/" + DIGEST, alice).statusCode()).isEqualTo(200);
    }
    assertThat(bcrypts()).isEqualTo(1);
  }

  @Test
  void throttlesRepeatedFailuresWithoutPayingBcryptAndOnlyForThatUserAndClient() throws Exception {
    start(false, true);
    String wrong = basic("alice", "guess");
    for (int i = 0; i < 5; i++) {
      assertThat(auth("GET", "/v2/team-a/app/manifests/v1", wrong).statusCode()).isEqualTo(401);
    }
    double bcryptsBefore = bcrypts();

    HttpResponse<String> throttled =
        auth("GET", "/v2/team-a/app/manifests/v1", basic("alice", ALICE_PASSWORD));
    assertThat(throttled.statusCode()).isEqualTo(403);
    assertThat(throttled.headers().firstValue("X-Auth-Retry-After")).contains("1");
    assertThat(bcrypts()).isEqualTo(bcryptsBefore);
    assertThat(server.metricsRegistry().throttledAuth.count()).isEqualTo(1);

    assertThat(
            auth("GET", "/v2/team-a/app/manifests/v1", basic("alice", ALICE_PASSWORD), "10.7.7.7")
                .statusCode())
        .as("another client")
        .isEqualTo(200);
    assertThat(auth("GET", "/v2/_catalog", basic("bob", BOB_PASSWORD)).statusCode())
        .as("another user")
        .isEqualTo(200);
    assertThat(auth("GET", "/v2/public/x/manifests/v1", wrong).statusCode())
        .as("what anonymous clients may do stays allowed")
        .isEqualTo(200);

    // the block ends: the right password works again and resets the count
    await()
        .atMost(Duration.ofSeconds(3))
        .until(
            () ->
                auth("GET", "/v2/team-a/app/manifests/v1", basic("alice", ALICE_PASSWORD))
                        .statusCode()
                    == 200);
  }

  @Test
  void appliesASecretUpdateWithinTwoSecondsWithoutRestart() throws Exception {
    start(false, true);
    String alice = basic("alice", ALICE_PASSWORD);
    assertThat(auth("GET", "/v2/team-a/app/manifests/v1", alice).statusCode()).isEqualTo(200);

    auth.write(Map.of("htpasswd", htpasswd("new-Pa55word"), "access.json", ACCESS));
    secrets.add("new-Pa55word");

    Instant changed = Instant.now();
    await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> auth("GET", "/v2/team-a/app/manifests/v1", alice).statusCode() == 401);
    assertThat(Duration.between(changed, Instant.now())).isLessThan(Duration.ofSeconds(2));
    assertThat(
            auth("GET", "/v2/team-a/app/manifests/v1", basic("alice", "new-Pa55word")).statusCode())
        .isEqualTo(200);
  }

  @Test
  void startsWithoutItsFilesDeniesEverythingAndComesUpWhenTheyArrive() throws Exception {
    start(false, false);

    HttpResponse<String> health = get("/healthz", null);
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.body()).contains("htpasswd");
    assertThat(auth("GET", "/v2/public/base/manifests/v1", null).statusCode()).isEqualTo(401);
    assertThat(
            auth("GET", "/v2/team-a/app/manifests/v1", basic("alice", ALICE_PASSWORD)).statusCode())
        .isEqualTo(401);

    auth.write(Map.of("htpasswd", htpasswd(ALICE_PASSWORD), "access.json", ACCESS));

    await().atMost(Duration.ofSeconds(2)).until(() -> get("/healthz", null).statusCode() == 200);
    assertThat(auth("GET", "/v2/public/base/manifests/v1", null).statusCode()).isEqualTo(200);
  }

  @Test
  void servesMetricsHealthAndNothingElse() throws Exception {
    start(false, true);
    auth("GET", "/v2/team-a/app/manifests/v1", basic("alice", ALICE_PASSWORD));
    auth("GET", "/v2/team-a/app/manifests/v1", basic("alice", ALICE_PASSWORD));
    auth("GET", "/v2/team-a/app/manifests/v1", basic("alice", "wrong"));

    assertThat(get("/healthz", null).statusCode()).isEqualTo(200);
    String metrics = get("/metrics", null).body();
    assertThat(metrics)
        .contains("registry_auth_logins_total{result=\"ok\"} 2.0")
        .contains("registry_auth_logins_total{result=\"failed\"} 1.0")
        .contains("registry_auth_cache_hits_total 1.0")
        .contains("registry_auth_cache_misses_total 2.0")
        .contains("registry_auth_bcrypt_verifications_total 2.0")
        .contains("registry_auth_decisions_total{decision=\"allowed\"} 2.0")
        .contains("registry_auth_decisions_total{decision=\"unauthorized\"} 1.0")
        .contains("registry_auth_throttled_total")
        .contains("registry_auth_tokens_issued_total");
    assertThat(get("/token", null).statusCode())
        .as("Basic mode has no token endpoint")
        .isEqualTo(404);
    assertThat(get("/", null).statusCode()).isEqualTo(404);
    assertThat(get("/authx", null).statusCode()).isEqualTo(404);
  }

  // ---- /token ---------------------------------------------------------------------------------

  private JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  private static List<Object> access(String jwt) throws Exception {
    @SuppressWarnings("unchecked")
    List<Object> access = (List<Object>) SignedJWT.parse(jwt).getJWTClaimsSet().getClaim("access");
    return access;
  }

  @Test
  void issuesTokensOnGetWithTheGrantedPartOfEachScope() throws Exception {
    start(true, true);

    HttpResponse<String> response =
        get(
            "/token?service=test-registry&account=alice"
                + "&scope=repository:team-a/app:pull,push,delete"
                + "&scope=repository:team-b/app:pull&scope=registry:catalog:*",
            basic("alice", ALICE_PASSWORD));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
    JsonNode body = json(response);
    String jwt = body.get("token").asText();
    secrets.add(jwt);
    assertThat(body.get("access_token").asText()).isEqualTo(jwt);
    assertThat(body.get("expires_in").asLong()).isEqualTo(300);
    assertThat(Instant.parse(body.get("issued_at").asText()))
        .isBetween(Instant.now().minusSeconds(10), Instant.now());
    assertThat(body.has("refresh_token")).isFalse();
    SignedJWT parsed = SignedJWT.parse(jwt);
    assertThat(parsed.getJWTClaimsSet().getSubject()).isEqualTo("alice");
    assertThat(parsed.getJWTClaimsSet().getAudience()).containsExactly("test-registry");
    assertThat(parsed.getJWTClaimsSet().getIssuer()).isEqualTo("test-issuer");
    assertThat(access(jwt))
        .containsExactly(
            Map.of("type", "repository", "name", "team-a/app", "actions", List.of("pull", "push")),
            Map.of("type", "repository", "name", "team-b/app", "actions", List.of()),
            Map.of("type", "registry", "name", "catalog", "actions", List.of()));
  }

  @Test
  void anonymousTokensCarryTheAnonymousGrantsOnly() throws Exception {
    start(true, true);

    HttpResponse<String> response =
        get(
            "/token?service=test-registry&scope=repository:public/base:pull,push"
                + "&scope=repository:team-a/app:pull&offline_token=true",
            null);

    assertThat(response.statusCode()).isEqualTo(200);
    String jwt = json(response).get("token").asText();
    assertThat(SignedJWT.parse(jwt).getJWTClaimsSet().getSubject()).isEmpty();
    assertThat(access(jwt))
        .containsExactly(
            Map.of("type", "repository", "name", "public/base", "actions", List.of("pull")),
            Map.of("type", "repository", "name", "team-a/app", "actions", List.of()));
    assertThat(json(response).has("refresh_token")).isFalse();
  }

  @Test
  void refusesWrongCredentialsAndForeignServices() throws Exception {
    start(true, true);

    HttpResponse<String> wrong = get("/token?service=test-registry", basic("alice", "nope"));
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("UNAUTHORIZED").doesNotContain("nope");

    assertThat(get("/token?service=other", basic("alice", ALICE_PASSWORD)).statusCode())
        .isEqualTo(400);
    assertThat(
            post(
                    "/token",
                    Map.of(
                        "grant_type", "password",
                        "username", "alice",
                        "password", "nope",
                        "service", "test-registry"))
                .statusCode())
        .isEqualTo(401);
    assertThat(post("/token", Map.of("grant_type", "client_credentials")).statusCode())
        .isEqualTo(400);
    assertThat(post("/token", Map.of("grant_type", "password", "username", "alice")).statusCode())
        .isEqualTo(400);
  }

  @Test
  void throttlesTheTokenEndpointWithA429() throws Exception {
    start(true, true);
    for (int i = 0; i < 5; i++) {
      get("/token?service=test-registry", basic("alice", "guess" + i));
    }
    HttpResponse<String> throttled =
        get("/token?service=test-registry", basic("alice", ALICE_PASSWORD));
    assertThat(throttled.statusCode()).isEqualTo(429);
    assertThat(throttled.headers().firstValue("Retry-After")).contains("1");
    assertThat(server.metricsRegistry().throttledToken.count()).isEqualTo(1);
  }

  @Test
  void containerdsOauthFormGetsRefreshTokensThatDieWithThePassword() throws Exception {
    start(true, true);

    HttpResponse<String> login =
        post(
            "/token",
            Map.of(
                "grant_type", "password",
                "username", "alice",
                "password", ALICE_PASSWORD,
                "service", "test-registry",
                "client_id", "containerd-client",
                "access_type", "offline",
                "scope", "repository:team-a/app:pull repository:public/base:pull"));
    assertThat(login.statusCode()).isEqualTo(200);
    JsonNode body = json(login);
    String refresh = body.get("refresh_token").asText();
    secrets.add(refresh);
    secrets.add(body.get("access_token").asText());
    assertThat(access(body.get("access_token").asText()))
        .containsExactly(
            Map.of("type", "repository", "name", "team-a/app", "actions", List.of("pull")),
            Map.of("type", "repository", "name", "public/base", "actions", List.of("pull")));

    HttpResponse<String> refreshed =
        post(
            "/token",
            Map.of(
                "grant_type", "refresh_token",
                "refresh_token", refresh,
                "service", "test-registry",
                "scope", "repository:team-a/app:push"));
    assertThat(refreshed.statusCode()).isEqualTo(200);
    assertThat(access(json(refreshed).get("access_token").asText()))
        .containsExactly(
            Map.of("type", "repository", "name", "team-a/app", "actions", List.of("push")));
    assertThat(json(refreshed).get("refresh_token").asText()).isEqualTo(refresh);

    // GET with offline_token=true gets one as well
    HttpResponse<String> offline =
        get("/token?service=test-registry&offline_token=true", basic("alice", ALICE_PASSWORD));
    assertThat(json(offline).get("refresh_token").asText()).isNotEmpty();
    secrets.add(json(offline).get("refresh_token").asText());

    // the password changes: no token is issued for the old credentials any more
    auth.write(Map.of("htpasswd", htpasswd("changed-Pa55"), "access.json", ACCESS));
    secrets.add("changed-Pa55");
    await()
        .atMost(Duration.ofSeconds(2))
        .until(
            () ->
                post("/token", Map.of("grant_type", "refresh_token", "refresh_token", refresh))
                        .statusCode()
                    == 401);
    assertThat(server.metricsRegistry().refreshTokensRejected.count()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void neverLogsPasswordsHashesHeadersOrTokens() throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      start(true, true);
      // a password pasted into the username field: an unknown user, never named in the log
      auth("GET", "/v2/team-a/app/manifests/v1", basic(ALICE_PASSWORD, "x"));
      auth("GET", "/v2/team-a/app/manifests/v1", basic("alice", ALICE_PASSWORD));
      auth("GET", "/v2/team-b/app/manifests/v1", basic("alice", ALICE_PASSWORD));
      for (int i = 0; i < 7; i++) {
        auth("GET", "/v2/team-a/app/manifests/v1", basic("alice", "wrong-" + i));
        secrets.add("wrong-" + i);
      }
      auth("GET", "/v2/team-a/app/manifests/v1", "Basic %%%not-base64");
      get("/token?service=test-registry", basic("bob", BOB_PASSWORD));
      post("/token", Map.of("grant_type", "refresh_token", "refresh_token", "forged.token.x"));
      secrets.add("forged.token.x");
      token.write(
          Map.of(
              "tls.key",
              "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleQ==\n",
              "tls.crt",
              keys.chainPem()));
      secrets.add("c2VjcmV0LWtleQ");
      auth.write(Map.of("htpasswd", htpasswd(ALICE_PASSWORD), "access.json", "{\"secretish\": "));
      secrets.add("secretish");
      await()
          .atMost(Duration.ofSeconds(2))
          .until(
              () -> captured.toString(StandardCharsets.UTF_8).contains("access.json is not valid"));
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(StandardCharsets.UTF_8);

    assertThat(log)
        .contains("login failed for alice from 10.1.2.3")
        .contains("login failed for an unknown user")
        .contains("login throttled for alice")
        .contains("denied [pull] on team-b/app to alice")
        .contains("tls.key is not valid token key");
    for (String secret : secrets) {
      assertThat(log).doesNotContain(secret);
    }
    assertThat(log).doesNotContain("$2a$").doesNotContain("$2y$").doesNotContain("Basic ");
  }
}
