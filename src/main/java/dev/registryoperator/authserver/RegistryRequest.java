package dev.registryoperator.authserver;

import dev.registryoperator.access.Action;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What one request to the registry needs, worked out from the method and the raw request URI that
 * nginx forwards to the auth subrequest. Only the Distribution v2 API routes are recognised;
 * anything else is refused, so that a path the registry would interpret differently from us can
 * never slip through.
 *
 * <p>Upload routes ({@code /blobs/uploads/...}) need pull <em>and</em> push, whatever the method:
 * that is what the registry itself demands of a bearer token for uploads, so Basic and Token mode
 * grant the same. Cancelling an upload (DELETE) is part of pushing, not a {@code delete}.
 */
public sealed interface RegistryRequest {

  /** {@code /v2/}: the version check every client starts with; any logged-in user may make it. */
  record Base() implements RegistryRequest {}

  /** {@code /v2/_catalog}: needs the catalog permission. */
  record Catalog() implements RegistryRequest {}

  /**
   * A request on one repository. {@code mountRequested} is set when an upload start names a
   * cross-repository mount ({@code ?mount=...&from=...}); {@code mountSources} holds the decoded
   * {@code from} values (an unreadable query adds an empty one, which never validates).
   */
  record OnRepository(
      String repository, Set<Action> actions, boolean mountRequested, List<String> mountSources)
      implements RegistryRequest {
    public OnRepository {
      actions = Set.copyOf(actions);
      mountSources = List.copyOf(mountSources);
    }
  }

  /** Distribution's repository name grammar (reference/regexp.go), components joined by '/'. */
  Pattern NAME =
      Pattern.compile(
          "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");

  Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");

  Pattern DIGEST =
      Pattern.compile("[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}");

  Pattern UPLOAD_ID = Pattern.compile("[a-zA-Z0-9._=-]+");

  int MAX_NAME_LENGTH = 255;

  int MAX_URI_LENGTH = 8192;

  static boolean isRepositoryName(String name) {
    return name != null
        && !name.isEmpty()
        && name.length() <= MAX_NAME_LENGTH
        && NAME.matcher(name).matches();
  }

  /**
   * Maps a request to what it needs, or empty when it is not a registry request we recognise.
   *
   * @param method the original method ({@code X-Original-Method})
   * @param rawUri the original, undecoded request URI with its query ({@code X-Original-URI})
   * @param contentType the original Content-Type, or null
   */
  static Optional<RegistryRequest> parse(String method, String rawUri, String contentType) {
    if (method == null || rawUri == null || rawUri.length() > MAX_URI_LENGTH) {
      return Optional.empty();
    }
    int questionMark = rawUri.indexOf('?');
    String path = questionMark < 0 ? rawUri : rawUri.substring(0, questionMark);
    String query = questionMark < 0 ? null : rawUri.substring(questionMark + 1);
    Optional<String> decodedPath = decodePath(path);
    if (decodedPath.isEmpty() || rawUri.indexOf('#') >= 0) {
      return Optional.empty();
    }
    path = decodedPath.get();
    if (!path.startsWith("/v2/")) {
      return Optional.empty();
    }
    if (path.equals("/v2/")) {
      return readOnly(method) ? Optional.of(new Base()) : Optional.empty();
    }
    if (path.equals("/v2/_catalog")) {
      return readOnly(method) ? Optional.of(new Catalog()) : Optional.empty();
    }
    return onRepository(method, path.substring("/v2/".length()), query, contentType);
  }

  /**
   * The registry decodes the path before routing. Registry paths never need an escape except, from
   * some clients, the ':' of a digest; every other escape (an encoded '/', '.', '%', ...) could
   * make us and the registry see different paths, so it is refused.
   */
  private static Optional<String> decodePath(String path) {
    String decoded = path.replace("%3A", ":").replace("%3a", ":");
    for (int i = 0; i < decoded.length(); i++) {
      char c = decoded.charAt(i);
      if (c == '%' || c == '\\' || c <= 0x20 || c >= 0x7f) {
        return Optional.empty();
      }
    }
    return Optional.of(decoded);
  }

  private static boolean readOnly(String method) {
    return method.equals("GET") || method.equals("HEAD");
  }

  private static Optional<RegistryRequest> onRepository(
      String method, String rest, String query, String contentType) {
    // Each route ends in a fixed shape whose parameters contain no '/'; reading from the end
    // therefore splits name and route exactly as the registry's anchored route patterns do.
    String[] segments = rest.split("/", -1);
    int n = segments.length;
    String last = segments[n - 1];
    String beforeLast = n >= 2 ? segments[n - 2] : "";
    String thirdLast = n >= 3 ? segments[n - 3] : "";

    if (n >= 3 && thirdLast.equals("blobs") && beforeLast.equals("uploads")) {
      if (last.isEmpty() || UPLOAD_ID.matcher(last).matches()) {
        return upload(method, name(segments, n - 3), last.isEmpty(), query, contentType);
      }
      return Optional.empty();
    }
    if (n >= 3 && beforeLast.equals("blobs") && last.equals("uploads")) {
      return upload(method, name(segments, n - 2), true, query, contentType);
    }
    if (n >= 3 && beforeLast.equals("manifests") && isReference(last)) {
      Optional<Set<Action>> actions =
          switch (method) {
            case "GET", "HEAD" -> Optional.of(EnumSet.of(Action.pull));
            case "PUT" -> Optional.of(EnumSet.of(Action.push));
            case "DELETE" -> Optional.of(EnumSet.of(Action.delete));
            default -> Optional.empty();
          };
      return repository(name(segments, n - 2), actions);
    }
    if (n >= 3 && beforeLast.equals("blobs") && DIGEST.matcher(last).matches()) {
      Optional<Set<Action>> actions =
          switch (method) {
            case "GET", "HEAD" -> Optional.of(EnumSet.of(Action.pull));
            case "DELETE" -> Optional.of(EnumSet.of(Action.delete));
            default -> Optional.empty();
          };
      return repository(name(segments, n - 2), actions);
    }
    if (n >= 3 && beforeLast.equals("tags") && last.equals("list")) {
      return repository(name(segments, n - 2), pullOnly(method));
    }
    if (n >= 3 && beforeLast.equals("referrers") && DIGEST.matcher(last).matches()) {
      return repository(name(segments, n - 2), pullOnly(method));
    }
    return Optional.empty();
  }

  private static Optional<Set<Action>> pullOnly(String method) {
    return readOnly(method) ? Optional.of(EnumSet.of(Action.pull)) : Optional.empty();
  }

  private static boolean isReference(String reference) {
    return TAG.matcher(reference).matches() || DIGEST.matcher(reference).matches();
  }

  private static String name(String[] segments, int end) {
    return String.join("/", Arrays.asList(segments).subList(0, end));
  }

  private static Optional<RegistryRequest> repository(String name, Optional<Set<Action>> actions) {
    if (!isRepositoryName(name) || actions.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new OnRepository(name, actions.get(), false, List.of()));
  }

  private static Optional<RegistryRequest> upload(
      String method, String name, boolean start, String query, String contentType) {
    if (!isRepositoryName(name)
        || !List.of("POST", "PATCH", "PUT", "GET", "DELETE").contains(method)) {
      return Optional.empty();
    }
    Set<Action> actions = EnumSet.of(Action.pull, Action.push);
    if (!(start && method.equals("POST"))) {
      return Optional.of(new OnRepository(name, actions, false, List.of()));
    }
    // The registry reads mount and from with Go's r.FormValue, which also reads a form body. We
    // never see the body, so an upload start with a form body is refused outright.
    if (isForm(contentType)) {
      return Optional.empty();
    }
    List<String> sources = new ArrayList<>();
    boolean mount = readMountParameters(query, sources);
    return Optional.of(new OnRepository(name, actions, mount, sources));
  }

  private static boolean isForm(String contentType) {
    if (contentType == null) {
      return false;
    }
    String type = contentType.trim().toLowerCase(Locale.ROOT);
    return type.startsWith("application/x-www-form-urlencoded")
        || type.startsWith("multipart/form-data");
  }

  /**
   * Collects the {@code from} values and says whether the query asks for a mount. Keys are decoded
   * as Go decodes them ({@code fr%6Fm} is {@code from}); a query we cannot read exactly as the
   * registry would (bad escapes, ';' which old Go versions took as a separator) counts as a mount
   * from an unreadable source, which the caller then strips.
   */
  private static boolean readMountParameters(String query, List<String> sources) {
    if (query == null || query.isEmpty()) {
      return false;
    }
    if (query.indexOf(';') >= 0) {
      sources.add("");
      return true;
    }
    boolean mount = false;
    for (String pair : query.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String key;
      String value;
      try {
        key =
            URLDecoder.decode(
                equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
        value =
            equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        sources.add("");
        return true;
      }
      if (key.equals("from")) {
        sources.add(value);
        mount = true;
      } else if (key.equals("mount")) {
        mount = true;
      }
    }
    return mount;
  }
}
