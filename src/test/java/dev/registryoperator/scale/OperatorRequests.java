package dev.registryoperator.scale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.registryoperator.it.RealApiServer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The operator's requests as the API server itself records them: the operator, a process of its
 * own, logs in as its ServiceAccount (deploy/'s RBAC, {@link
 * RealApiServer#operatorKubeConfigYaml}), and the server's audit log of that account ({@link
 * RealApiServer#operatorAuditLog}, Metadata level) has one event per request it received - whatever
 * the operator's client or JOSDK do, including watches and retries. The benchmark's own requests
 * are not in it. A watch is logged only when it ends.
 */
final class OperatorRequests {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request: when the server received it, what it asked for, the answer's code. */
  record Request(Instant received, String verb, String resource, String namespace, int code) {

    /** e.g. "patch secrets" or "patch privateregistries/status". */
    String kind() {
      return verb + " " + resource;
    }
  }

  private final Path log;
  private final List<Request> requests = new ArrayList<>();
  private final Set<String> seenIds = new HashSet<>();
  private long readOffset;

  OperatorRequests(Path log) {
    this.log = log;
  }

  /**
   * Never rotate the log (kube-apiserver's default rotates it at 100 MB, which a full run passes);
   * the benchmark reads it to the end.
   */
  static final String NO_ROTATION = "--audit-log-maxsize=1000000";

  /** Every request the operator made so far, in the order the server logged them. */
  synchronized List<Request> all() {
    readNewLines();
    return List.copyOf(requests);
  }

  /** The requests the server received in [from, to). */
  List<Request> between(Instant from, Instant to) {
    return all().stream()
        .filter(r -> !r.received().isBefore(from) && r.received().isBefore(to))
        .toList();
  }

  /** When the last request matching the filter was received, or {@link Instant#MIN}. */
  Instant lastReceived(Predicate<Request> filter) {
    return all().stream()
        .filter(filter)
        .map(Request::received)
        .max(Instant::compareTo)
        .orElse(Instant.MIN);
  }

  /** True when no request was received for {@code quiet} up to now. */
  boolean quietFor(Duration quiet) {
    return lastReceived(r -> true).isBefore(Instant.now().minus(quiet));
  }

  /** Counts by "verb resource", in alphabetical order. */
  static Map<String, Long> byKind(List<Request> requests) {
    Map<String, Long> counts = new TreeMap<>();
    for (Request request : requests) {
      counts.merge(request.kind(), 1L, Long::sum);
    }
    return counts;
  }

  /** The largest number of requests received within one wall-clock second. */
  static long peakPerSecond(List<Request> requests) {
    Map<Long, Long> perSecond = new TreeMap<>();
    for (Request request : requests) {
      perSecond.merge(request.received().getEpochSecond(), 1L, Long::sum);
    }
    return perSecond.values().stream().mapToLong(Long::longValue).max().orElse(0);
  }

  /** Requests whose answer was not 2xx, by code. */
  static Map<Integer, Long> failures(List<Request> requests) {
    Map<Integer, Long> counts = new TreeMap<>();
    for (Request request : requests) {
      if (request.code() < 200 || request.code() >= 300) {
        counts.merge(request.code(), 1L, Long::sum);
      }
    }
    return counts;
  }

  private void readNewLines() {
    if (!Files.exists(log)) {
      return;
    }
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      if (file.length() < readOffset) {
        throw new IllegalStateException("the audit log " + log + " was rotated or truncated");
      }
      if (file.length() == readOffset) {
        return;
      }
      file.seek(readOffset);
      byte[] chunk = new byte[(int) (file.length() - readOffset)];
      file.readFully(chunk);
      int lastNewline = lastIndexOf(chunk, (byte) '\n');
      if (lastNewline < 0) {
        return;
      }
      // Only whole lines: the server may be writing the next one.
      readOffset += lastNewline + 1;
      String text = new String(chunk, 0, lastNewline + 1, StandardCharsets.UTF_8);
      for (String line : text.split("\n")) {
        if (!line.isBlank()) {
          add(JSON.readTree(line));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the audit log " + log, e);
    }
  }

  private void add(JsonNode event) {
    if (!seenIds.add(event.path("auditID").asText())) {
      return;
    }
    JsonNode object = event.path("objectRef");
    String resource = object.path("resource").asText(event.path("requestURI").asText());
    if (object.hasNonNull("subresource")) {
      resource += "/" + object.path("subresource").asText();
    }
    requests.add(
        new Request(
            Instant.parse(event.path("requestReceivedTimestamp").asText()),
            event.path("verb").asText(),
            resource,
            object.path("namespace").asText(null),
            event.path("responseStatus").path("code").asInt(0)));
  }

  private static int lastIndexOf(byte[] bytes, byte wanted) {
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] == wanted) {
        return i;
      }
    }
    return -1;
  }
}
