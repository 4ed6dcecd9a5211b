package dev.registryoperator.it;

import dev.registryoperator.tls.ExternalTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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
    ExternalTool nginx = ExternalTool.require("/usr/sbin/nginx", "apt-get install nginx-light");
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Path htpasswd = root.resolve("htpasswd");
    Files.writeString(htpasswd, "");
    Path temp = Files.createDirectories(root.resolve("temp"));
    // A file to serve: "return" would answer before auth_basic is asked (rewrite phase).
    Path content = Files.createDirectories(root.resolve("content"));
    Files.writeString(content.resolve("ok.txt"), "in\n");
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
            listen 127.0.0.1:%3$d;
            root %5$s;
            location / {
              auth_basic "bad input";
              auth_basic_user_file %4$s;
            }
          }
        }
        """
            .formatted(root, temp, port, htpasswd, content));
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
        started.status("nobody", "x".getBytes(StandardCharsets.UTF_8));
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
