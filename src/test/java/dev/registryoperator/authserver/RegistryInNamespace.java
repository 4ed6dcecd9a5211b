package dev.registryoperator.authserver;

import dev.registryoperator.registry.model.Ports;
import dev.registryoperator.registry.model.RegistryConfig;
import dev.registryoperator.tls.ExternalTool;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real registry binary serving a rendered config in a private network namespace ({@code unshare
 * --net}), so its fixed loopback ports (5000, 5001) never meet anything on this machine. A bash
 * script in the namespace starts it once and then runs, one at a time, the curl requests this class
 * sends it over stdin: the test talks to one long-running registry process and can issue new tokens
 * (or rotate keys) between requests. Tokens travel in curl config files, never on a command line.
 */
final class RegistryInNamespace implements AutoCloseable {

  /**
   * What the registry answered to one request, and what it logged meanwhile (the reason of a
   * refusal is only in its log).
   */
  record Answer(int status, String headers, String log) {

    Optional<String> header(String name) {
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      return headers
          .lines()
          .filter(line -> line.toLowerCase(Locale.ROOT).startsWith(prefix))
          .map(line -> line.substring(prefix.length()).strip())
          .findFirst();
    }

    String wwwAuthenticate() {
      return header("WWW-Authenticate").orElse("");
    }

    @Override
    public String toString() {
      return status
          + (wwwAuthenticate().isEmpty() ? "" : " WWW-Authenticate: " + wwwAuthenticate());
    }
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private final Path root;
  private final Process shell;
  private final Writer commands;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final StringBuilder output = new StringBuilder();
  private final AtomicInteger requests = new AtomicInteger();
  private final long registryPid;

  private RegistryInNamespace(Path root, Process shell) throws IOException {
    this.root = root;
    this.shell = shell;
    this.commands = shell.outputWriter(StandardCharsets.UTF_8);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // the shell went away; next() reports the missing answer
              }
            },
            "registry-namespace-output");
    reader.setDaemon(true);
    reader.start();
    String ready = next("ready ");
    this.registryPid = Long.parseLong(ready.substring("ready ".length()).strip());
  }

  /**
   * Starts {@code registry serve config} in a new network namespace and waits until it answers
   * {@code /v2/} (with 401: a token-mode registry without a token).
   */
  static RegistryInNamespace start(
      ExternalTool unshare, ExternalTool registryBinary, Path config, Path root)
      throws IOException {
    return start(unshare, registryBinary, config, root, Optional.empty());
  }

  /**
   * As {@link #start(ExternalTool, ExternalTool, Path, Path)}, with a second program in the same
   * namespace (the auth server, as a shell command line), waited for until its /healthz says 200.
   */
  static RegistryInNamespace start(
      ExternalTool unshare,
      ExternalTool registryBinary,
      Path config,
      Path root,
      Optional<String> authServerCommand)
      throws IOException {
    Path script = root.resolve("registry-namespace.sh");
    Files.writeString(
        script,
        """
        set -u
        ip link set lo up
        export %1$s=test-only-http-secret
        %2$s serve %3$s > %4$s 2>&1 &
        registry=$!
        %6$s
        for _ in $(seq 400); do
          code=$(curl -s -o /dev/null -w '%%{http_code}' http://127.0.0.1:%5$d/v2/)
          { [ "$code" = 401 ] || [ "$code" = 200 ]; } && %7$s && break
          sleep 0.05
        done
        echo "ready $registry"
        while read -r command argument; do
          case "$command" in
            curl) echo "answer $(curl -K "$argument")" ;;
            pid) if kill -0 "$registry" 2>/dev/null; then echo "pid $registry alive";
                 else echo "pid $registry gone"; fi ;;
            *) break ;;
          esac
        done
        kill "$registry" %8$s
        wait
        echo "stopped"
        """
            .formatted(
                RegistryConfig.HTTP_SECRET_ENV,
                registryBinary.binary(),
                config,
                log(root),
                Ports.REGISTRY,
                authServerCommand
                    .map(command -> command + " > " + authServerLog(root) + " 2>&1 &\nauth=$!")
                    .orElse(""),
                authServerCommand.isPresent()
                    ? "curl -sf -o /dev/null http://127.0.0.1:" + Ports.AUTH_SERVER + "/healthz"
                    : "true",
                authServerCommand.isPresent() ? "\"$auth\"" : ""));
    Process shell =
        new ProcessBuilder(unshare.binary().toString(), "--net", "bash", script.toString())
            .directory(root.toFile())
            .redirectErrorStream(true)
            .start();
    try {
      return new RegistryInNamespace(root, shell);
    } catch (RuntimeException | IOException e) {
      shell.destroyForcibly();
      throw e;
    }
  }

  private static Path log(Path root) {
    return root.resolve("registry.log");
  }

  private static Path authServerLog(Path root) {
    return root.resolve("auth-server.log");
  }

  /** The auth server's log so far (empty without one), for failure messages. */
  String authServerLog() {
    try {
      return Files.exists(authServerLog(root)) ? Files.readString(authServerLog(root)) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * GET {@code pathAndQuery} on the auth server with Basic credentials; the body of a 200, else an
   * exception with the status. The credentials travel in a curl config file.
   */
  String authServerGet(String pathAndQuery, String user, String password) {
    int n = requests.incrementAndGet();
    Path config = root.resolve("request-" + n + ".curl");
    Path body = root.resolve("request-" + n + ".body");
    String curl =
        "url = \"http://127.0.0.1:%d%s\"\n".formatted(Ports.AUTH_SERVER, quoted(pathAndQuery))
            + "user = \"%s:%s\"\n".formatted(quoted(user), quoted(password))
            + "silent\n"
            + "output = \"%s\"\n".formatted(body)
            + "write-out = \"%{http_code}\"\n";
    try {
      Files.writeString(config, curl);
      send("curl " + config);
      int status = Integer.parseInt(next("answer ").substring("answer ".length()).strip());
      if (status != 200) {
        throw new IllegalStateException(
            "auth server answered " + status + " to " + pathAndQuery + "\n" + authServerLog());
      }
      return Files.readString(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Inside a double-quoted curl config value. */
  private static String quoted(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /** The registry process, as started once by the script. */
  long registryPid() {
    return registryPid;
  }

  /** Whether the process started at the beginning still runs (asked inside the namespace). */
  boolean registryStillRuns() {
    send("pid");
    return next("pid ").equals("pid " + registryPid + " alive");
  }

  /** The registry's log so far, for failure messages and log assertions. */
  String registryLog() {
    try {
      return Files.readString(log(root));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** GET or POST (no body) {@code path} on the registry, with the bearer token if there is one. */
  Answer request(String method, String path, Optional<String> bearerToken) {
    int n = requests.incrementAndGet();
    Path config = root.resolve("request-" + n + ".curl");
    Path headers = root.resolve("request-" + n + ".headers");
    StringBuilder curl = new StringBuilder();
    curl.append("url = \"http://127.0.0.1:").append(Ports.REGISTRY).append(path).append("\"\n");
    curl.append("request = \"").append(method).append("\"\n");
    bearerToken.ifPresent(
        token -> curl.append("header = \"Authorization: Bearer ").append(token).append("\"\n"));
    curl.append("silent\n");
    curl.append("output = \"/dev/null\"\n");
    curl.append("dump-header = \"").append(headers).append("\"\n");
    curl.append("write-out = \"%{http_code}\"\n");
    try {
      Files.writeString(config, curl);
      int logged = registryLog().length();
      send("curl " + config);
      int status = Integer.parseInt(next("answer ").substring("answer ".length()).strip());
      String dumped = Files.exists(headers) ? Files.readString(headers) : "";
      String log = registryLog();
      return new Answer(status, dumped, log.substring(Math.min(logged, log.length())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void send(String command) {
    try {
      commands.write(command + "\n");
      commands.flush();
    } catch (IOException e) {
      throw new IllegalStateException("the namespace shell is gone:\n" + output, e);
    }
  }

  /** The next output line starting with {@code prefix}; other lines are kept for messages. */
  private String next(String prefix) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    try {
      while (true) {
        String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (line == null) {
          throw new IllegalStateException(
              "no '" + prefix + "' line within " + TIMEOUT + "; output:\n" + output + logTail());
        }
        if (line.startsWith(prefix)) {
          return line;
        }
        output.append(line).append('\n');
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private String logTail() {
    try {
      return "\nregistry log:\n" + Files.readString(log(root));
    } catch (IOException e) {
      return "";
    }
  }

  /** Ends the script, which stops the registry; kills both if they do not go within 10 s. */
  @Override
  public void close() throws IOException, InterruptedException {
    try {
      send("quit");
      commands.close();
    } catch (RuntimeException | IOException e) {
      // already gone
    }
    if (!shell.waitFor(10, TimeUnit.SECONDS)) {
      ProcessHandle.of(registryPid).ifPresent(ProcessHandle::destroyForcibly);
      shell.destroyForcibly();
    }
  }
}
