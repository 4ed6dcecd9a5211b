package dev.registryoperator.registry.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.authserver.AuthServer;
import dev.registryoperator.authserver.SandboxAuthServer;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.ExternalTool;
import dev.registryoperator.tls.ServingCertificatePolicy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mindrot.jbcrypt.BCrypt;

/**
 * The rendered nginx.conf in a real nginx, with the Secret files as the pod would mount them: what
 * a docker client sees. The registry behind it is a small fake on the registry's loopback port, so
 * the test can see what nginx forwards.
 */
class NginxProxyTest {

  private static final String USER = "alice";
  private static final String PASSWORD = "correct horse battery";

  @TempDir static Path root;

  private static Process nginx;
  private static AuthServer authServer;
  private static Path log;
  private static int port;
  private static HttpClient client;

  private final List<HttpServer> fakes = new ArrayList<>();

  @BeforeAll
  static void startNginx() throws Exception {
    ExternalTool tool = NginxSandbox.nginx();
    port = freePort();
    PrivateRegistry registry =
        Fixtures.registry(
            spec -> {
              spec.proxy.port = port;
              spec.tls.dnsNames = List.of("localhost");
            });
    // The certificate must be valid now, not at the fixture's fixed instant: a real client checks
    // it.
    CertificateAuthority ca = CertificateAuthority.generate("demo CA", Clock.systemUTC());
    // Cost 5 keeps the test fast.
    String htpasswd = USER + ":" + BCrypt.hashpw(PASSWORD, BCrypt.gensalt(5)) + "\n";
    Path config = NginxSandbox.prepare(root, registry, ca, htpasswd);
    // nginx asks the auth server about every registry request, as in the pod.
    authServer = SandboxAuthServer.start(registry, root);

    List<String> command = new ArrayList<>(List.of(tool.binary().toString()));
    command.addAll(NginxSandbox.arguments(root, config));
    log = root.resolve("nginx.log");
    nginx =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    client =
        HttpClient.newBuilder()
            .sslContext(trusting(ca.certificate()))
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    awaitListening();
  }

  @AfterAll
  static void stopNginx() throws Exception {
    if (authServer != null) {
      authServer.close();
    }
    if (nginx != null) {
      nginx.destroy(); // SIGTERM: nginx's fast shutdown takes its workers along
      if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
        nginx.destroyForcibly();
      }
    }
  }

  @AfterEach
  void stopFakes() {
    fakes.forEach(server -> server.stop(0));
  }

  @Test
  void servesTheCertificateIssuedForTheRegistry() throws Exception {
    HttpResponse<String> response = send(get("/livez"));

    X509Certificate served =
        (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
    assertThat(ServingCertificatePolicy.dnsNames(served))
        .contains("demo", "demo.team-a.svc", "demo.team-a.svc.cluster.local", "localhost");
  }

  @Test
  void livenessAnswersWithoutCredentials() throws Exception {
    HttpResponse<String> response = send(get("/livez"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("ok\n");
  }

  @Test
  void registryApiWithoutCredentialsIsChallengedWithTheRealm() throws Exception {
    HttpResponse<String> response = send(get("/v2/"));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().allValues("WWW-Authenticate"))
        .containsExactly("Basic realm=\"Registry\"");
    // Docker clients look for this header on the 401 to recognise a v2 registry.
    assertThat(response.headers().allValues("Docker-Distribution-Api-Version"))
        .containsExactly("registry/2.0");
  }

  @Test
  void wrongPasswordIsRefused() throws Exception {
    assertThat(
            send(get("/v2/").header("Authorization", basic(USER, "wrong password"))).statusCode())
        .isEqualTo(401);
  }

  @Test
  void unknownUserIsRefused() throws Exception {
    assertThat(send(get("/v2/").header("Authorization", basic("mallory", PASSWORD))).statusCode())
        .isEqualTo(401);
  }

  @Test
  void oldDockerClientsGetNotFound() throws Exception {
    HttpResponse<String> response =
        send(
            get("/v2/")
                .header("Authorization", basic(USER, PASSWORD))
                .header("User-Agent", "docker/1.5.0 go/go1.4"));

    assertThat(response.statusCode()).isEqualTo(404);
  }

  @Test
  void pathsOutsideTheRegistryApiAreNotFound() throws Exception {
    assertThat(send(get("/debug/health")).statusCode()).isEqualTo(404);
    assertThat(send(get("/metrics").header("Authorization", basic(USER, PASSWORD))).statusCode())
        .isEqualTo(404);
  }

  @Test
  void validCredentialsReachTheRegistryWithHostPortAndScheme() throws Exception {
    Map<String, String> seen = new ConcurrentHashMap<>();
    fake(
        Ports.REGISTRY,
        exchange -> {
          seen.put("path", exchange.getRequestURI().getPath());
          seen.put("host", exchange.getRequestHeaders().getFirst("Host"));
          seen.put("proto", exchange.getRequestHeaders().getFirst("X-Forwarded-Proto"));
          seen.put("for", exchange.getRequestHeaders().getFirst("X-Forwarded-For"));
          exchange.getResponseHeaders().add("Docker-Distribution-Api-Version", "registry/2.0");
          respond(exchange, 200, "{}");
        });

    HttpResponse<String> response =
        send(get("/v2/").header("Authorization", basic(USER, PASSWORD)));

    assertThat(response.statusCode()).as(nginxLog()).isEqualTo(200);
    assertThat(seen)
        .containsEntry("path", "/v2/")
        // The port must survive, or the registry's upload Location points at :443.
        .containsEntry("host", "localhost:" + port)
        .containsEntry("proto", "https")
        .containsEntry("for", "127.0.0.1");
    // The registry sent the header; nginx must not add a second one.
    assertThat(response.headers().allValues("Docker-Distribution-Api-Version"))
        .containsExactly("registry/2.0");
  }

  @Test
  void largeChunkedUploadsPassThroughWithoutABodyLimit() throws Exception {
    // nginx's built-in limit is 1 MiB; a layer upload is streamed in chunks of unknown length.
    byte[] layer = new byte[3 * 1024 * 1024];
    new java.util.Random(42).nextBytes(layer);
    Map<String, Long> received = new ConcurrentHashMap<>();
    fake(
        Ports.REGISTRY,
        exchange -> {
          received.put("bytes", (long) exchange.getRequestBody().readAllBytes().length);
          exchange.getResponseHeaders().add("Docker-Distribution-Api-Version", "registry/2.0");
          respond(exchange, 202, "");
        });

    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(uri("/v2/demo/blobs/uploads/some-upload"))
                .header("Authorization", basic(USER, PASSWORD))
                .method(
                    "PATCH",
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(layer))));

    assertThat(response.statusCode()).as(nginxLog()).isEqualTo(202);
    assertThat(received).containsEntry("bytes", (long) layer.length);
  }

  @Test
  void readinessIsTheRegistrysDebugHealthWithoutCredentials() throws Exception {
    Map<String, String> seen = new ConcurrentHashMap<>();
    fake(
        Ports.REGISTRY_DEBUG,
        exchange -> {
          seen.put("path", exchange.getRequestURI().getPath());
          respond(exchange, 200, "{}");
        });

    HttpResponse<String> response = send(get("/healthz"));

    assertThat(response.statusCode()).as(nginxLog()).isEqualTo(200);
    assertThat(seen).containsEntry("path", "/debug/health");
  }

  @Test
  void readinessFailsWhileTheRegistryDoesNotAnswer() throws Exception {
    assumePortFree(Ports.REGISTRY_DEBUG);

    HttpResponse<String> response = send(get("/healthz"));
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body()).isEqualTo("registry or auth server not ready\n");
  }

  @Test
  void anUnhealthyRegistrysReportStaysInsideThePod() throws Exception {
    fake(
        Ports.REGISTRY_DEBUG,
        exchange ->
            respond(
                exchange,
                503,
                "{\"storagedriver_filesystem\":\"open /var/lib/registry/secret-path: permission denied\"}"));

    HttpResponse<String> response = send(get("/healthz"));

    assertThat(response.statusCode()).as(nginxLog()).isEqualTo(503);
    assertThat(response.body())
        .isEqualTo("registry or auth server not ready\n")
        .doesNotContain("secret-path");
  }

  private interface Handler {
    void handle(HttpExchange exchange) throws IOException;
  }

  /**
   * A stand-in for the registry on one of its loopback ports; skips the test if the port is taken.
   */
  private void fake(int fakePort, Handler handler) throws IOException {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", fakePort), 0);
    } catch (BindException taken) {
      Assumptions.assumeTrue(false, "port " + fakePort + " is in use on this machine");
      return;
    }
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            handler.handle(exchange);
          }
        });
    server.start();
    fakes.add(server);
  }

  private static void assumePortFree(int candidate) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress("127.0.0.1", candidate));
    } catch (IOException taken) {
      Assumptions.assumeTrue(false, "port " + candidate + " is in use on this machine");
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      exchange.getResponseBody().write(bytes);
    }
  }

  private static HttpRequest.Builder get(String path) {
    return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET();
  }

  private static URI uri(String path) {
    return URI.create("https://localhost:" + port + path);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static String nginxLog() {
    try {
      return "nginx output:\n" + Files.readString(log);
    } catch (IOException e) {
      return "nginx output unreadable: " + e;
    }
  }

  private static void awaitListening() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (!nginx.isAlive()) {
        fail("nginx exited with " + nginx.exitValue() + "; " + nginxLog());
      }
      try {
        send(get("/livez"));
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    fail("nginx did not listen on " + port + " within 15 s; " + nginxLog());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static SSLContext trusting(X509Certificate ca) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("registry-ca", ca);
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }
}
