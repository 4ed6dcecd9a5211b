package dev.registryoperator.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The API server's audit log of one user's requests, kept so that a test can ask which of them the
 * authorizer refused: the audit event of a refused request carries the annotation {@value
 * #DECISION} = {@code forbid} and the authorizer's reason. Other refusals with the same 403 (a
 * quota, an admission plugin) are allowed by the authorizer and are not counted.
 */
final class AuditLog {

  static final String DECISION = "authorization.k8s.io/decision";
  private static final String REASON = "authorization.k8s.io/reason";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final Path policy;
  private final Path log;
  private long readUpTo;

  private AuditLog(Path dir) {
    this.dir = dir;
    this.policy = dir.resolve("policy.yaml");
    this.log = dir.resolve("audit.log");
  }

  /** A log of the requests of {@code user} only, at Metadata level (no bodies, so no secrets). */
  static AuditLog create(String user) {
    try {
      AuditLog audit = new AuditLog(Files.createTempDirectory("it-audit-"));
      Files.writeString(
          audit.policy,
          """
          apiVersion: audit.k8s.io/v1
          kind: Policy
          omitStages: ["RequestReceived"]
          rules:
            - level: Metadata
              users: ["%s"]
            - level: None
          """
              .formatted(user));
      return audit;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the audit policy", e);
    }
  }

  /** The kube-apiserver flags that write this log. */
  List<String> flags() {
    return List.of(
        "--audit-policy-file=" + policy,
        "--audit-log-path=" + log,
        "--audit-log-format=json",
        // One event per line as it happens: a test reads it right after the request.
        "--audit-log-mode=blocking");
  }

  /**
   * The requests the authorizer refused since the last call, as "verb resource (namespace/name)"
   * and the authorizer's reason if it gave one. Reads whole lines only: the server may be writing
   * the next one.
   */
  synchronized List<String> newRefusals() {
    if (!Files.exists(log)) {
      return List.of();
    }
    List<String> refused = new ArrayList<>();
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long length = file.length();
      if (length <= readUpTo) {
        return List.of();
      }
      byte[] bytes = new byte[(int) (length - readUpTo)];
      file.seek(readUpTo);
      file.readFully(bytes);
      int end = lastNewline(bytes);
      if (end < 0) {
        return List.of();
      }
      readUpTo += end + 1;
      String lines = new String(bytes, 0, end + 1, StandardCharsets.UTF_8);
      for (String line : lines.split("\n")) {
        if (!line.isBlank()) {
          JsonNode event = JSON.readTree(line);
          if ("forbid".equals(event.path("annotations").path(DECISION).asText())) {
            refused.add(describe(event));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the audit log " + log, e);
    }
    return refused;
  }

  Path path() {
    return log;
  }

  void delete() {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  private static int lastNewline(byte[] bytes) {
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** The authorizer's reason; RBAC gives none for a refusal (it found no rule that allows). */
  private static String reason(JsonNode event) {
    String reason = event.path("annotations").path(REASON).asText("");
    return reason.isEmpty() ? "" : ": " + reason;
  }

  private static String describe(JsonNode event) {
    JsonNode object = event.path("objectRef");
    String resource = object.path("resource").asText();
    if (object.hasNonNull("subresource")) {
      resource += "/" + object.path("subresource").asText();
    }
    if (object.hasNonNull("apiGroup") && !object.path("apiGroup").asText().isEmpty()) {
      resource += "." + object.path("apiGroup").asText();
    }
    String where =
        object.path("namespace").asText("")
            + (object.hasNonNull("name") ? "/" + object.path("name").asText() : "");
    return event.path("verb").asText()
        + " "
        + resource
        + (where.isEmpty() ? "" : " (" + where + ")")
        + reason(event);
  }
}
