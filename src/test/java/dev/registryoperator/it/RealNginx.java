package dev.registryoperator.it;

import dev.registryoperator.tls.ExternalTool;
import dev.registryoperator.tls.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Debian's nginx on 127.0.0.1, asking for HTTP basic auth against an htpasswd file the test writes:
 * the same check ({@code auth_basic_user_file}, libxcrypt's bcrypt) that real proxies make of the
 * files the operator renders. nginx reads the file on every request, so one server serves every
 * check of a test class.
 */
final class RealNginx implements AutoCloseable {

  private final Process process;
  private final Path root;
  private final Thread stopAtExit;
  private final Path htpasswd;
  private final int port;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private RealNginx(Process process, Path root, Path htpasswd, int port) {
    this.process = process;
    this.root = root;
    // A test JVM that ends without close() (a failure in @BeforeAll, an interrupted run) must not
    // leave nginx running.
    this.stopAtExit = new Thread(process::destroy, "stop-real-nginx");
    Runtime.getRuntime().addShutdownHook(stopAtExit);
    this.htpasswd = htpasswd;
    this.port = port;
  }

  static RealNginx start(Path root) throws IOException, InterruptedException {
    int port = freePort();
    Path htpasswd = root.resolve("htpasswd");
    Files.writeString(htpasswd, "");
    // A file to serve: "return" would answer before auth_basic is asked (rewrite phase).
    Path content = Files.createDirectories(root.resolve("content"));
    Files.writeString(content.resolve("ok.txt"), "in\n");
    Path config =
        writeConfig(
            root,
            """
            listen 127.0.0.1:%d;
            root %s;
            location / {
              auth_basic "bad input";
              auth_basic_user_file %s;
            }
            """
                .formatted(port, content, htpasswd));
    return launch(
        root,
        config,
        htpasswd,
        port,
        started -> started.status("nobody", "x".getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * nginx on 127.0.0.1 serving TLS with this certificate (chain) and key, the way the registry's
   * proxy serves the files of its TLS volume: for handshakes with what the operator had it serve.
   */
  static RealNginx servingTls(Path root, String certificatePem, String keyPem)
      throws IOException, InterruptedException {
    int port = freePort();
    Path certificate = root.resolve("tls.crt");
    Path key = root.resolve("tls.key");
    Files.writeString(certificate, certificatePem);
    Files.writeString(key, keyPem);
    Path config =
        writeConfig(
            root,
            """
            listen 127.0.0.1:%d ssl;
            ssl_certificate %s;
            ssl_certificate_key %s;
            ssl_protocols TLSv1.2 TLSv1.3;
            location / { return 200 "tls\n"; }
            """
                .formatted(port, certificate, key));
    return launch(
        root,
        config,
        null,
        port,
        started -> {
          try (Socket socket = new Socket("127.0.0.1", started.port)) {
            return;
          }
        });
  }

  /** nginx.conf for one server, everything nginx writes kept under root. */
  private static Path writeConfig(Path root, String server) throws IOException {
    Path temp = Files.createDirectories(root.resolve("temp"));
    Path config = root.resolve("nginx.conf");
    Files.writeString(
        config,
        """
        worker_processes 1;
        pid %1$s/nginx.pid;
        error_log stderr error;
        events { worker_connections 64; }
        http {
          access_log off;
          client_body_temp_path %2$s/body;
          proxy_temp_path %2$s/proxy;
          fastcgi_temp_path %2$s/fastcgi;
          uwsgi_temp_path %2$s/uwsgi;
          scgi_temp_path %2$s/scgi;
          server {
        %3$s  }
        }
        """
            .formatted(root, temp, server.indent(4)));
    return config;
  }

  private interface ReadyCheck {
    void check(RealNginx started) throws IOException, InterruptedException;
  }

  private static int freePort() throws IOException {
    try (ServerSocket free = new ServerSocket(0)) {
      return free.getLocalPort();
    }
  }

  private static RealNginx launch(
      Path root, Path config, Path htpasswd, int port, ReadyCheck readyCheck)
      throws IOException, InterruptedException {
    ExternalTool nginx = ExternalTool.require("/usr/sbin/nginx", "apt-get install nginx-light");
    List<String> command =
        new ArrayList<>(
            List.of(
                nginx.binary().toString(),
                "-p",
                root + "/",
                "-c",
                config.toString(),
                "-g",
                "daemon off;"));
    // As root nginx would run its worker as "nobody", which cannot read the test's directory.
    if ("root".equals(System.getProperty("user.name"))) {
      command.set(command.size() - 1, "daemon off; user root;");
    }
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(root.resolve("nginx.log").toFile())
            .start();
    RealNginx started = new RealNginx(process, root, htpasswd, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        readyCheck.check(started);
        return started;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          process.destroyForcibly();
          throw new IllegalStateException(
              "nginx did not start: " + Files.readString(root.resolve("nginx.log")), notYet);
        }
        Thread.sleep(50);
      }
    }
  }

  /** The HTTP status nginx answers to these credentials checked against this htpasswd file. */
  int status(String htpasswdFile, String username, byte[] password) {
    try {
      Files.writeString(htpasswd, htpasswdFile);
      return status(username, password);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private int status(String username, byte[] password) throws IOException, InterruptedException {
    // Built from bytes: a password need not be text, and everything after the first ':' is it.
    byte[] user = (username + ":").getBytes(StandardCharsets.UTF_8);
    byte[] credentials = new byte[user.length + password.length];
    System.arraycopy(user, 0, credentials, 0, user.length);
    System.arraycopy(password, 0, credentials, user.length, password.length);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ok.txt"))
            .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(credentials))
            .timeout(Duration.ofSeconds(10))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /**
   * A TLS handshake as a client of the registry makes it: trusting only {@code caPem} and checking
   * that the certificate is for {@code host} (sent as SNI). Returns the chain nginx presented; an
   * untrusted or wrongly named certificate fails the handshake.
   */
  List<X509Certificate> handshake(String host, String caPem) {
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry("ca", Pem.certificate(caPem));
      TrustManagerFactory trustManagers =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trustManagers.init(trust);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, trustManagers.getTrustManagers(), null);
      try (Socket plain = new Socket("127.0.0.1", port);
          SSLSocket socket =
              (SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, true)) {
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setServerNames(List.of(new SNIHostName(host)));
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return Arrays.stream(socket.getSession().getPeerCertificates())
            .map(X509Certificate.class::cast)
            .toList();
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("TLS handshake with nginx as " + host + " failed: " + e, e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    Runtime.getRuntime().removeShutdownHook(stopAtExit);
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
