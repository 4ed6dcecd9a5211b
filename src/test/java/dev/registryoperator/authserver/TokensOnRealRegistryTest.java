package dev.registryoperator.authserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.util.X509CertUtils;
import com.nimbusds.jwt.SignedJWT;
import dev.registryoperator.Main;
import dev.registryoperator.api.v1alpha1.AuthSpec.AuthMode;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.registry.model.AuthSecrets;
import dev.registryoperator.registry.model.PodPaths;
import dev.registryoperator.registry.model.RegistryConfig;
import dev.registryoperator.registry.model.TlsMaterial;
import dev.registryoperator.registry.model.TokenAuth;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.ExternalTool;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mindrot.jbcrypt.BCrypt;

/**
 * The tokens of Token mode against the real registry (Debian's docker-registry, distribution 2.8),
 * started once for the class with the config the operator renders and the trust bundle the pod
 * mounts (the registry's CA), in a private network namespace. Tokens are signed by {@link
 * TokenIssuer} with keys from {@link TokenAuth#signingSecret}, as the auth server signs them, or
 * fetched from the real auth server running beside the registry in the same namespace. Every case
 * asserts on what the registry answered.
 */
class TokensOnRealRegistryTest {

  private static final String REPOSITORY = "team-a/app";
  private static final String UPLOADS = "/v2/" + REPOSITORY + "/blobs/uploads/";

  @TempDir static Path root;

  private static final String ALICE_PASSWORD = "alice-Pässword-1";

  private static PrivateRegistry registry;
  private static Secret caSecret;
  private static RegistryInNamespace server;

  /** The auth server's signing key volume, and the key in it at start (21 days old). */
  private static SecretVolume signingVolume;

  private static TokenAuth.SigningSecret signingAtStart;

  @BeforeAll
  static void startTheRegistry() throws Exception {
    ExternalTool registryBinary =
        ExternalTool.require("/usr/bin/docker-registry", "apt-get install docker-registry");
    ExternalTool unshare = ExternalTool.require("/usr/bin/unshare", "apt-get install util-linux");
    ExternalTool.require("/usr/bin/curl", "apt-get install curl");

    registry = Fixtures.registryInMode(AuthMode.Token);
    // The CA is older than any signing key it issues, as in a cluster.
    caSecret =
        TlsMaterial.caSecret(
            registry, CertificateAuthority.generate("registry CA", clockAt(daysAgo(60))));

    PodPaths paths = new PodPaths(root.toString());
    Files.createDirectories(Path.of(paths.dataDir()));
    Files.createDirectories(Path.of(paths.registryConfigDir()));
    Path config = Path.of(paths.registryConfigDir(), Keys.REGISTRY_CONFIG);
    Files.writeString(config, RegistryConfig.render(registry, paths));
    // What the pod mounts there: ca.crt of the serving certificate Secret.
    Secret serving =
        TlsMaterial.servingCertificate(registry, null, caSecret, Clock.systemUTC()).secret();
    Files.createDirectories(Path.of(paths.tokenTrustDir()));
    Files.writeString(
        Path.of(paths.tokenTrustDir(), RegistryConfig.TOKEN_TRUST_FILE),
        SecretData.decode(serving, Keys.CA_CERT).orElseThrow());

    // The auth server's files, as its Secret volumes lay them out.
    String htpasswd = "alice:" + BCrypt.hashpw(ALICE_PASSWORD, BCrypt.gensalt(4)) + "\n";
    new SecretVolume(Path.of(paths.htpasswdDir()))
        .write(data(AuthSecrets.htpasswd(registry, Fixtures.authFiles(htpasswd))));
    signingAtStart = TokenAuth.signingSecret(registry, null, caSecret, clockAt(daysAgo(21)));
    signingVolume = new SecretVolume(Path.of(paths.tokenSigningDir()));
    signingVolume.write(data(signingAtStart.secret()));

    server =
        RegistryInNamespace.start(
            unshare, registryBinary, config, root, Optional.of(authServerCommand()));
  }

  @AfterAll
  static void stopTheRegistry() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void acceptsTokensSignedWithTheOperatorsSigningKey() {
    SigningKey key = key(TokenAuth.signingSecret(registry, null, caSecret, Clock.systemUTC()));

    RegistryInNamespace.Answer base = get("/v2/", issuer().issue(key, "alice", List.of()).token());
    assertThat(base.status()).as(describe("GET /v2/ with a valid token", base)).isEqualTo(200);

    RegistryInNamespace.Answer upload = post(UPLOADS, token(key, "pull", "push"));
    assertThat(upload.status())
        .as(describe("POST uploads, pull+push token", upload))
        .isEqualTo(202);
    assertThat(upload.header("Location")).as(upload.headers()).isPresent();

    RegistryInNamespace.Answer tags = get("/v2/" + REPOSITORY + "/tags/list", token(key, "pull"));
    assertThat(tags.status())
        .as(describe("GET tags of an empty repository, pull token", tags))
        .isEqualTo(404);
  }

  @Test
  void withoutATokenTheChallengeNamesTheRenderedRealmAndService() {
    RegistryInNamespace.Answer answer = server.request("GET", "/v2/", Optional.empty());
    assertThat(answer.status()).as(describe("GET /v2/ without a token", answer)).isEqualTo(401);
    assertThat(answer.wwwAuthenticate())
        .startsWith("Bearer ")
        .contains("realm=\"https://" + TokenAuth.service(registry) + "/token\"")
        .contains("service=\"" + TokenAuth.service(registry) + "\"");
  }

  @Test
  void refusesTokensItMustNotTrust() {
    SigningKey trusted = key(TokenAuth.signingSecret(registry, null, caSecret, Clock.systemUTC()));
    Secret unknownCa =
        TlsMaterial.caSecret(
            registry, CertificateAuthority.generate("registry CA", Clock.systemUTC()));
    SigningKey untrusted =
        key(TokenAuth.signingSecret(registry, null, unknownCa, Clock.systemUTC()));
    List<TokenScope> push = List.of(scope("pull", "push"));
    Duration lifetime = lifetime();

    assertRefusedAsInvalid(
        "signed by a key of an unknown CA",
        issuer().issue(untrusted, "alice", push).token(),
        "x509: certificate signed by unknown authority");
    assertRefusedAsInvalid(
        "issued for another service (aud)",
        new TokenIssuer(
                TokenAuth.issuer(registry), "other-registry.example", lifetime, Clock.systemUTC())
            .issue(trusted, "alice", push)
            .token(),
        "token intended for another audience");
    assertRefusedAsInvalid(
        "from another issuer (iss)",
        new TokenIssuer("someone-else", TokenAuth.service(registry), lifetime, Clock.systemUTC())
            .issue(trusted, "alice", push)
            .token(),
        "token from untrusted issuer");
    assertRefusedAsInvalid(
        "expired an hour ago",
        new TokenIssuer(
                TokenAuth.issuer(registry),
                TokenAuth.service(registry),
                lifetime,
                clockAt(Instant.now().minus(Duration.ofHours(1)).minus(lifetime)))
            .issue(trusted, "alice", push)
            .token(),
        "token not to be used after");
  }

  @Test
  void aPullOnlyTokenCannotPushAndGetsInsufficientScope() {
    SigningKey key = key(TokenAuth.signingSecret(registry, null, caSecret, Clock.systemUTC()));

    RegistryInNamespace.Answer answer = post(UPLOADS, token(key, "pull"));

    assertThat(answer.status())
        .as(describe("POST uploads, pull-only token", answer))
        .isEqualTo(401);
    assertThat(answer.wwwAuthenticate())
        .contains("error=\"insufficient_scope\"")
        // the registry lists the actions in Go map order: either way round
        .containsPattern("scope=\"repository:" + REPOSITORY + ":(pull,push|push,pull)\"");
    assertThat(answer.log()).contains("insufficient scope");
  }

  /**
   * The design claim of Token mode: a renewed signing key comes from the same CA, so the registry,
   * which read its trust bundle once at start, accepts it at once, without a restart.
   */
  @Test
  void aRotatedSigningKeyIsAcceptedByTheSameRegistryProcess() {
    long pid = server.registryPid();
    assertThat(server.registryStillRuns()).isTrue();

    // A key issued 21 days ago (30 days valid): due for renewal now (10 days before expiry).
    TokenAuth.SigningSecret first =
        TokenAuth.signingSecret(registry, null, caSecret, clockAt(daysAgo(21)));
    SigningKey oldKey = key(first);
    String oldToken = token(oldKey, "pull", "push");
    RegistryInNamespace.Answer before = post(UPLOADS, oldToken);
    assertThat(before.status()).as(describe("push with the old key", before)).isEqualTo(202);

    TokenAuth.SigningSecret renewed =
        TokenAuth.signingSecret(registry, first.secret(), caSecret, Clock.systemUTC());
    assertThat(renewed.reissueReason()).hasValueSatisfying(r -> assertThat(r).contains("expires"));
    SigningKey newKey = key(renewed);
    assertThat(newKey.certificate()).isNotEqualTo(oldKey.certificate());
    assertThat(newKey.certificate().getPublicKey())
        .isNotEqualTo(oldKey.certificate().getPublicKey());

    RegistryInNamespace.Answer base =
        get("/v2/", issuer().issue(newKey, "alice", List.of()).token());
    assertThat(base.status()).as(describe("GET /v2/ with the new key", base)).isEqualTo(200);
    RegistryInNamespace.Answer after = post(UPLOADS, token(newKey, "pull", "push"));
    assertThat(after.status()).as(describe("push with the new key", after)).isEqualTo(202);
    RegistryInNamespace.Answer stillOld = post(UPLOADS, oldToken);
    assertThat(stillOld.status())
        .as(describe("a token of the old key, until it expires", stillOld))
        .isEqualTo(202);

    assertThat(server.registryPid()).isEqualTo(pid);
    assertThat(server.registryStillRuns()).as("the registry started once still runs").isTrue();
    assertThat(server.registryLog().lines().filter(line -> line.contains("listening on")))
        .as("the registry started exactly once:\n" + server.registryLog())
        .hasSize(1);
  }

  /** 401 invalid_token, and the registry's log names the reason expected, not just any. */
  /**
   * The whole chain of a rotation: the running auth server picks up the renewed key from its Secret
   * volume and signs with it, and the registry, never restarted, accepts those tokens.
   */
  @Test
  void theRunningAuthServersTokensWorkAcrossASigningKeyRotation() throws Exception {
    long pid = server.registryPid();
    String scope = "repository:" + REPOSITORY + ":pull,push";

    String first = authServerToken(scope);
    assertThat(leaf(first)).isEqualTo(key(signingAtStart).certificate());
    RegistryInNamespace.Answer before = post(UPLOADS, first);
    assertThat(before.status())
        .as(describe("push, auth server token, key at start", before))
        .isEqualTo(202);

    TokenAuth.SigningSecret renewed =
        TokenAuth.signingSecret(registry, signingAtStart.secret(), caSecret, Clock.systemUTC());
    assertThat(renewed.reissueReason()).isPresent();
    X509Certificate renewedCertificate = key(renewed).certificate();
    signingVolume.write(data(renewed.secret()));
    String second =
        await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> authServerToken(scope), token -> leaf(token).equals(renewedCertificate));

    RegistryInNamespace.Answer after = post(UPLOADS, second);
    assertThat(after.status())
        .as(describe("push, auth server token, renewed key", after))
        .isEqualTo(202);
    RegistryInNamespace.Answer old = post(UPLOADS, first);
    assertThat(old.status())
        .as(describe("push, auth server token of the old key", old))
        .isEqualTo(202);
    assertThat(server.registryPid()).isEqualTo(pid);
    assertThat(server.registryStillRuns()).isTrue();
  }

  private static String authServerToken(String scope) throws Exception {
    String body =
        server.authServerGet(
            "/token?service=" + TokenAuth.service(registry) + "&scope=" + scope,
            "alice",
            ALICE_PASSWORD);
    return new ObjectMapper().readTree(body).get("token").asText();
  }

  /** The signing certificate a token names (first of its x5c chain). */
  private static X509Certificate leaf(String token) {
    try {
      return X509CertUtils.parse(
          SignedJWT.parse(token).getHeader().getX509CertChain().get(0).decode());
    } catch (ParseException e) {
      throw new IllegalStateException("not a JWT", e);
    }
  }

  private static Map<String, String> data(Secret secret) {
    Map<String, String> data = new TreeMap<>();
    secret.getData().keySet().forEach(k -> data.put(k, SecretData.decode(secret, k).orElseThrow()));
    return data;
  }

  /** The auth server as the pod's container starts it, from this JVM's classes. */
  private static String authServerCommand() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.add("auth-server");
    command.addAll(SandboxAuthServer.arguments(registry, root));
    return command.stream()
        .map(arg -> "'" + arg.replace("'", "'\\''") + "'")
        .collect(Collectors.joining(" "));
  }

  private static void assertRefusedAsInvalid(String what, String token, String loggedReason) {
    RegistryInNamespace.Answer answer = get("/v2/", token);
    assertThat(answer.status())
        .as(describe("GET /v2/ with a token " + what, answer))
        .isEqualTo(401);
    assertThat(answer.wwwAuthenticate()).as(what).contains("error=\"invalid_token\"");
    assertThat(answer.log()).as(what).contains(loggedReason);
  }

  private static RegistryInNamespace.Answer get(String path, String token) {
    return server.request("GET", path, Optional.of(token));
  }

  private static RegistryInNamespace.Answer post(String path, String token) {
    return server.request("POST", path, Optional.of(token));
  }

  /** Names the case and shows the answer and the registry log in a failure message. */
  private static String describe(String what, RegistryInNamespace.Answer answer) {
    String reason =
        answer
            .log()
            .lines()
            .filter(line -> line.contains("msg="))
            .map(line -> line.substring(line.indexOf("msg=")))
            .findFirst()
            .orElse("");
    System.out.println("real registry, " + what + ": " + answer + "; log: " + reason);
    return what + ": " + answer + "\nregistry log:\n" + server.registryLog();
  }

  /** The issuer the auth server runs with for this registry. */
  private static TokenIssuer issuer() {
    return new TokenIssuer(
        TokenAuth.issuer(registry), TokenAuth.service(registry), lifetime(), Clock.systemUTC());
  }

  private static Duration lifetime() {
    return Duration.ofSeconds(registry.getSpec().auth.tokenLifetimeSeconds);
  }

  private static String token(SigningKey key, String... actions) {
    return issuer().issue(key, "alice", List.of(scope(actions))).token();
  }

  private static TokenScope scope(String... actions) {
    return new TokenScope("repository", REPOSITORY, Set.of(actions));
  }

  /** The key and chain the auth server reads from the signing Secret's volume. */
  private static SigningKey key(TokenAuth.SigningSecret signing) {
    return SigningKey.parse(
        SecretData.decode(signing.secret(), Keys.TLS_KEY).orElseThrow(),
        SecretData.decode(signing.secret(), Keys.TLS_CERT).orElseThrow());
  }

  private static Instant daysAgo(long days) {
    return Instant.now().minus(Duration.ofDays(days));
  }

  private static Clock clockAt(Instant instant) {
    return Clock.fixed(instant, ZoneOffset.UTC);
  }
}
