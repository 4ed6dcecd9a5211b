package dev.registryoperator.cluster;

import dev.registryoperator.e2e.HostCommand;
import dev.registryoperator.naming.Keys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * curl and skopeo on the node, as a person on it would run them: the registry's Service name
 * resolves through the hosts entry the node agent wrote, and TLS is verified against the CA the
 * registry publishes (never turned off).
 */
final class NodeClients {

  private static final Duration TIMEOUT = Duration.ofMinutes(2);

  private final Path work;
  private final Path caDir;
  private final Path policy;

  private NodeClients(Path work) throws IOException {
    this.work = work;
    this.caDir = Files.createDirectories(work.resolve("ca"));
    this.policy = work.resolve("policy.json");
    // Unsigned test images: a policy about signatures, not TLS.
    Files.writeString(policy, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
  }

  static NodeClients trusting(String caCertificate) {
    try {
      NodeClients clients = new NodeClients(Files.createTempDirectory("node-clients"));
      Files.writeString(clients.caDir.resolve(Keys.CA_CERT), caCertificate);
      return clients;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path work() {
    return work;
  }

  /** The HTTP status of a request, with the response headers (curl's exit code when none). */
  Answer request(String url, String credentials, String userAgent) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "curl",
                "-sS",
                "--max-time",
                "10",
                "--cacert",
                caDir.resolve(Keys.CA_CERT).toString(),
                "-o",
                "/dev/null",
                "-D",
                "-",
                "-w",
                "%{http_code}"));
    if (credentials != null) {
      command.addAll(List.of("-u", credentials));
    }
    if (userAgent != null) {
      command.addAll(List.of("-A", userAgent));
    }
    command.add(url);
    HostCommand.Result result = HostCommand.run(TIMEOUT, command);
    String out = result.stdout();
    int status =
        result.exitCode() == 0
            ? Integer.parseInt(out.substring(out.length() - 3))
            : -result.exitCode();
    return new Answer(status, out);
  }

  /** A DELETE (of a manifest by digest, say): the HTTP status, or curl's exit code negated. */
  int delete(String url, String credentials) {
    HostCommand.Result result =
        HostCommand.run(
            TIMEOUT,
            "curl",
            "-sS",
            "--max-time",
            "10",
            "--cacert",
            caDir.resolve(Keys.CA_CERT).toString(),
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-u",
            credentials,
            "-X",
            "DELETE",
            url);
    return result.exitCode() == 0 ? Integer.parseInt(result.stdout().trim()) : -result.exitCode();
  }

  /** A plain connection attempt without TLS: curl's exit code (7 = refused). */
  int connect(String address) {
    return HostCommand.run(
            TIMEOUT,
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "--max-time",
            "5",
            "http://" + address + "/v2/")
        .exitCode();
  }

  /** skopeo copy with this CA for both ends and the given options (credentials, auth files). */
  HostCommand.Result copy(String source, String destination, String... options) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "skopeo",
                "--policy",
                policy.toString(),
                "copy",
                "--src-cert-dir",
                caDir.toString(),
                "--dest-cert-dir",
                caDir.toString()));
    command.addAll(List.of(options));
    command.add(source);
    command.add(destination);
    return HostCommand.run(TIMEOUT, command);
  }

  /** Fails with skopeo's own words only: its command line may hold a password. */
  static void assertSucceeded(HostCommand.Result result, String what) {
    if (!result.succeeded()) {
      throw new AssertionError(what + " failed (" + result.exitCode() + "): " + result.stderr());
    }
  }

  record Answer(int status, String headers) {
    boolean hasHeader(String name, String value) {
      return headers
          .lines()
          .anyMatch(
              line ->
                  line.toLowerCase().startsWith(name.toLowerCase() + ":")
                      && line.substring(name.length() + 1).trim().equals(value));
    }
  }
}
