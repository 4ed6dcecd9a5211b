package dev.registryoperator.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Debian's {@code wrk} (4.1), run like the benchmark's other clients: inside the pod's network
 * namespace, the Service's names resolving to the pod ({@link ServiceDns}). wrk speaks TLS through
 * OpenSSL and does not verify the certificate (it has no option to); the benchmark's other clients
 * verify it.
 *
 * <p>Method and credentials go into a generated Lua script (so no credential shows on a command
 * line), and the script's {@code done} hook prints the summary in one line this class parses. wrk
 * 4.1 cannot measure HEADs of a non-empty blob: it reads a HEAD answer's {@code Content-Length} as
 * a body still to come and waits for it forever. The benchmark therefore HEADs an empty blob (an
 * answer with {@code Content-Length: 0}), which costs the registry the same as any other blob's
 * HEAD (a link and a stat, no content read).
 */
final class BenchWrk {

  static final String BINARY = "/usr/bin/wrk";

  /** One wrk run's summary. */
  record Result(
      long requests,
      double seconds,
      long non2xx,
      long socketErrors,
      double meanMillis,
      double p50Millis,
      double p99Millis) {

    double requestsPerSecond() {
      return requests / seconds;
    }
  }

  private BenchWrk() {}

  /** Throws, saying how to install it, unless wrk is on this machine. */
  static void requireInstalled() {
    if (!Files.isExecutable(Path.of(BINARY))) {
      throw new IllegalStateException(
          BINARY
              + " is missing: the concurrent request-rate part of the benchmark needs wrk."
              + " Install it with `apt-get install -y wrk` (Debian's package) and run again.");
    }
  }

  /**
   * @param authorization the {@code Authorization} header's value, or null for none
   */
  static Result run(
      PodRunner pod,
      ServiceDns dns,
      Path scriptFile,
      String method,
      String url,
      String authorization,
      int threads,
      int connections,
      Duration duration) {
    StringBuilder script = new StringBuilder();
    script.append("wrk.method = \"").append(method).append("\"\n");
    if (authorization != null) {
      script.append("wrk.headers[\"Authorization\"] = \"").append(authorization).append("\"\n");
    }
    script.append(
        """
        done = function(summary, latency, requests)
          local e = summary.errors
          io.write(string.format(
            "BENCH requests=%d duration_us=%d status=%d connect=%d read=%d write=%d timeout=%d"
              .. " mean_us=%.1f p50_us=%d p99_us=%d\\n",
            summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
            latency.mean, latency:percentile(50), latency:percentile(99)))
        end
        """);
    try {
      Files.writeString(scriptFile, script);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> command =
        List.of(
            "/usr/sbin/ip",
            "netns",
            "exec",
            pod.networkNamespace(),
            BINARY,
            "-t",
            Integer.toString(threads),
            "-c",
            Integer.toString(connections),
            "-d",
            duration.toSeconds() + "s",
            "--timeout",
            "10s",
            "-s",
            scriptFile.toString(),
            url);
    HostCommand.Result result =
        dns.run(duration.plusSeconds(60), Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), command)
            .orThrow();
    String line =
        result
            .stdout()
            .lines()
            .filter(l -> l.startsWith("BENCH "))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no summary from wrk\n" + result));
    Map<String, String> fields = new HashMap<>();
    for (String field : line.substring("BENCH ".length()).trim().split(" ")) {
      String[] pair = field.split("=", 2);
      fields.put(pair[0], pair[1]);
    }
    long socketErrors =
        Long.parseLong(fields.get("connect"))
            + Long.parseLong(fields.get("read"))
            + Long.parseLong(fields.get("write"))
            + Long.parseLong(fields.get("timeout"));
    return new Result(
        Long.parseLong(fields.get("requests")),
        Long.parseLong(fields.get("duration_us")) / 1e6,
        Long.parseLong(fields.get("status")),
        socketErrors,
        Double.parseDouble(fields.get("mean_us")) / 1000,
        Long.parseLong(fields.get("p50_us")) / 1000.0,
        Long.parseLong(fields.get("p99_us")) / 1000.0);
  }
}
