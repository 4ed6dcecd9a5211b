package dev.registryoperator.authserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.registryoperator.access.AccessFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's authorization service: a sidecar on loopback that nginx consults.
 *
 * <ul>
 *   <li>{@code /auth} answers nginx's {@code auth_request} (Basic mode): 200 allowed (with {@code
 *       X-Auth-User} for a user, {@code X-Auth-Strip-Mount: 1} when a mount must not happen), 401
 *       with {@code WWW-Authenticate} when credentials are missing or wrong, 403 when not permitted
 *       or not a registry request, 403 with {@code X-Auth-Retry-After} when throttled (nginx passes
 *       only 2xx/401/403 through auth_request and turns that into 429).
 *   <li>{@code /token} issues the registry's bearer tokens (Token mode, 404 otherwise), GET and the
 *       OAuth2 POST form.
 *   <li>{@code /healthz}: 200 once every file has loaded, else 503 (the server still runs and
 *       denies); {@code /metrics}: Prometheus text.
 * </ul>
 *
 * It trusts the {@code X-Original-*} and {@code X-Real-IP} headers, which is why it listens on
 * loopback only, where just nginx reaches it.
 */
public final class AuthServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AuthServer.class);

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Far above any token request; a larger body is refused unread. */
  static final int MAX_FORM_BYTES = 64 * 1024;

  /** Everything the command line sets. */
  public record Config(
      InetSocketAddress listen,
      Path htpasswd,
      Path access,
      String realm,
      Optional<TokenConfig> token,
      int cacheSize,
      Duration cacheTtl,
      LoginThrottle.Settings throttle,
      int threads,
      Duration reloadInterval) {}

  public record TokenConfig(
      Path key,
      Path certificate,
      String issuer,
      String service,
      Duration lifetime,
      Duration refreshLifetime) {}

  private final Config config;
  private final WatchedAuthFiles files;
  private final PasswordCheck passwords;
  private final LoginThrottle throttle;
  private final AuthMetrics metrics;
  private final Optional<TokenIssuer> tokens;
  private final Optional<RefreshTokens> refreshTokens;
  private final HttpServer server;
  private final ExecutorService executor;
  private final ScheduledExecutorService reloader;

  private AuthServer(Config config, Clock clock) throws IOException {
    this.config = config;
    this.metrics = new AuthMetrics();
    CredentialCache cache = new CredentialCache(config.cacheSize(), config.cacheTtl(), clock);
    this.passwords = new PasswordCheck(cache, metrics);
    this.throttle = new LoginThrottle(config.throttle(), clock);
    this.files =
        new WatchedAuthFiles(
            config.htpasswd(),
            config.access(),
            config.token().map(t -> List.of(t.key(), t.certificate())),
            htpasswd -> {
              cache.retainUsers(htpasswd.users());
              passwords.prepare(htpasswd);
            },
            metrics);
    this.tokens =
        config.token().map(t -> new TokenIssuer(t.issuer(), t.service(), t.lifetime(), clock));
    this.refreshTokens =
        config
            .token()
            .map(t -> new RefreshTokens(t.issuer(), t.service(), t.refreshLifetime(), clock));
    this.server = HttpServer.create(config.listen(), 256);
    this.executor = Executors.newFixedThreadPool(config.threads(), daemonThreads("auth-http"));
    this.reloader = Executors.newSingleThreadScheduledExecutor(daemonThreads("auth-reload"));
    server.setExecutor(executor);
    server.createContext("/auth", guarded("/auth", this::auth));
    server.createContext("/token", guarded("/token", this::token));
    server.createContext("/healthz", guarded("/healthz", this::healthz));
    server.createContext("/metrics", guarded("/metrics", this::metrics));
    server.createContext("/", guarded(null, exchange -> send(exchange, 404, Map.of(), null)));
  }

  /** Loads the files (whatever is there), starts serving and re-reading them. */
  public static AuthServer start(Config config, Clock clock) throws IOException {
    AuthServer authServer = new AuthServer(config, clock);
    authServer.files.refresh();
    authServer.server.start();
    long interval = config.reloadInterval().toMillis();
    authServer.reloader.scheduleWithFixedDelay(
        authServer::refreshQuietly, interval, interval, TimeUnit.MILLISECONDS);
    LOG.info(
        "auth server listening on {} ({} mode)",
        authServer.address(),
        config.token().isPresent() ? "token" : "basic");
    return authServer;
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  public AuthMetrics metricsRegistry() {
    return metrics;
  }

  WatchedAuthFiles files() {
    return files;
  }

  @Override
  public void close() {
    reloader.shutdownNow();
    server.stop(0);
    executor.shutdownNow();
  }

  private void refreshQuietly() {
    try {
      files.refresh();
    } catch (RuntimeException e) {
      // Never let the timer die; the class says what went wrong without any content.
      LOG.warn("re-reading the rules failed: {}", e.getClass().getSimpleName());
    }
  }

  // ---- /auth --------------------------------------------------------------------------------

  private void auth(HttpExchange exchange) throws IOException {
    String method =
        Optional.ofNullable(header(exchange, "X-Original-Method"))
            .orElse(exchange.getRequestMethod());
    String uri = header(exchange, "X-Original-URI");
    String client = clientAddress(exchange);
    Optional<RegistryRequest> request =
        RegistryRequest.parse(method, uri, header(exchange, "Content-Type"));
    if (request.isEmpty()) {
      metrics.deniedInvalid.increment();
      LOG.debug("denied {} from {}: not a recognised registry request", method, client);
      send(exchange, 403, Map.of(), null);
      return;
    }
    WatchedAuthFiles.Rules rules = files.rules();
    String authorization = header(exchange, "Authorization");
    Login login = authorization == null ? Login.NONE : login(authorization, client, rules, "auth");
    if (login.user().isPresent()) {
      AccessDecision decision = AccessDecision.decide(request.get(), login.user(), rules.access());
      if (decision.allowed()) {
        allow(exchange, decision, login.user());
      } else {
        metrics.deniedForbidden.increment();
        LOG.info(
            "denied {} to {} from {}",
            describe(request.get()),
            LogSafe.name(login.user().get()),
            client);
        send(exchange, 403, Map.of(), null);
      }
      return;
    }
    // No (valid) credentials: what anonymous clients may do is allowed even then.
    AccessDecision anonymous =
        AccessDecision.decide(request.get(), Optional.empty(), rules.access());
    if (anonymous.allowed()) {
      allow(exchange, anonymous, Optional.empty());
    } else if (login.retryAfter().isPresent()) {
      metrics.deniedUnauthorized.increment();
      send(
          exchange,
          403,
          Map.of("X-Auth-Retry-After", Long.toString(seconds(login.retryAfter().get()))),
          null);
    } else {
      metrics.deniedUnauthorized.increment();
      send(exchange, 401, Map.of("WWW-Authenticate", basicChallenge()), null);
    }
  }

  private void allow(HttpExchange exchange, AccessDecision decision, Optional<String> user)
      throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    user.ifPresent(u -> headers.put("X-Auth-User", u));
    if (decision == AccessDecision.ALLOW_WITHOUT_MOUNT) {
      metrics.allowedWithoutMount.increment();
      headers.put("X-Auth-Strip-Mount", "1");
    } else {
      metrics.allowed.increment();
    }
    send(exchange, 200, headers, null);
  }

  private static String describe(RegistryRequest request) {
    if (request instanceof RegistryRequest.OnRepository r) {
      return r.actions().stream().map(Enum::name).sorted().toList() + " on " + r.repository();
    }
    return request instanceof RegistryRequest.Catalog ? "the catalog" : "/v2/";
  }

  private String basicChallenge() {
    return "Basic realm=\"" + config.realm().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  // ---- logging in -----------------------------------------------------------------------------

  /** The outcome of presented credentials: a user, or none (wrong), or none for a while. */
  private record Login(Optional<String> user, Optional<Duration> retryAfter) {
    static final Login NONE = new Login(Optional.empty(), Optional.empty());
  }

  private Login login(
      String authorization, String client, WatchedAuthFiles.Rules rules, String endpoint) {
    Optional<BasicCredentials> credentials = BasicCredentials.parse(authorization);
    if (credentials.isEmpty()) {
      metrics.loginsFailed.increment();
      LOG.info("login failed from {}: unreadable Authorization header", client);
      return Login.NONE;
    }
    return login(
        credentials.get().username(), credentials.get().password(), client, rules, endpoint);
  }

  private Login login(
      String username,
      String password,
      String client,
      WatchedAuthFiles.Rules rules,
      String endpoint) {
    Optional<Duration> blocked = throttle.blocked(username, client);
    if (blocked.isPresent()) {
      (endpoint.equals("token") ? metrics.throttledToken : metrics.throttledAuth).increment();
      LOG.info("login throttled for {} from {}", nameForLog(username, rules), client);
      return new Login(Optional.empty(), blocked);
    }
    PasswordCheck.Result result = passwords.check(username, password, rules.htpasswd());
    if (result == PasswordCheck.Result.OK) {
      throttle.succeeded(username, client);
      metrics.loginsOk.increment();
      return new Login(Optional.of(username), Optional.empty());
    }
    throttle.failed(username, client);
    metrics.loginsFailed.increment();
    LOG.info(
        "login failed for {} from {}: {}",
        nameForLog(username, rules),
        client,
        result.name().toLowerCase(Locale.ROOT).replace('_', ' '));
    return Login.NONE;
  }

  /**
   * Known users by name; an unknown "username" is not logged, as it is often a password typed into
   * the wrong field.
   */
  private static String nameForLog(String username, WatchedAuthFiles.Rules rules) {
    return rules.htpasswd().hash(username).isPresent() ? LogSafe.name(username) : "an unknown user";
  }

  // ---- /token ---------------------------------------------------------------------------------

  private void token(HttpExchange exchange) throws IOException {
    if (tokens.isEmpty()) {
      send(exchange, 404, Map.of(), null);
      return;
    }
    String method = exchange.getRequestMethod();
    if (!method.equals("GET") && !method.equals("POST")) {
      sendJson(
          exchange, 405, Map.of("Allow", "GET, POST"), error("UNSUPPORTED", "use GET or POST"));
      return;
    }
    WatchedAuthFiles.Rules rules = files.rules();
    if (rules.signingKey().isEmpty()) {
      sendJson(exchange, 503, Map.of(), error("UNAVAILABLE", "the token key is not loaded yet"));
      return;
    }
    FormData form;
    if (method.equals("GET")) {
      form = FormData.parse(exchange.getRequestURI().getRawQuery());
    } else {
      Optional<String> body = readForm(exchange);
      if (body.isEmpty()) {
        sendJson(exchange, 400, Map.of(), oauthError("invalid_request", "expected a form body"));
        return;
      }
      form = FormData.parse(body.get());
    }
    Optional<String> service = form.first("service");
    if (service.isPresent() && !service.get().equals(tokens.get().service())) {
      sendJson(exchange, 400, Map.of(), error("INVALID_SERVICE", "unknown service"));
      return;
    }
    String client = clientAddress(exchange);
    if (method.equals("GET")) {
      tokenForGet(exchange, form, rules, client);
    } else {
      tokenForPost(exchange, form, rules, client);
    }
  }

  private void tokenForGet(
      HttpExchange exchange, FormData form, WatchedAuthFiles.Rules rules, String client)
      throws IOException {
    String authorization = header(exchange, "Authorization");
    Optional<String> user = Optional.empty();
    if (authorization != null) {
      Login login = login(authorization, client, rules, "token");
      if (login.retryAfter().isPresent()) {
        throttled(exchange, login.retryAfter().get());
        return;
      }
      if (login.user().isEmpty()) {
        sendJson(
            exchange,
            401,
            Map.of("WWW-Authenticate", basicChallenge()),
            error("UNAUTHORIZED", "authentication required"));
        return;
      }
      user = login.user();
    }
    boolean offline = form.first("offline_token").map("true"::equalsIgnoreCase).orElse(false);
    issue(exchange, rules, user, form.all("scope"), offline, Optional.empty());
  }

  private void tokenForPost(
      HttpExchange exchange, FormData form, WatchedAuthFiles.Rules rules, String client)
      throws IOException {
    String grantType = form.first("grant_type").orElse("");
    boolean offline = form.first("access_type").map("offline"::equals).orElse(false);
    switch (grantType) {
      case "password" -> {
        Optional<String> username = form.first("username");
        Optional<String> password = form.first("password");
        if (username.isEmpty() || password.isEmpty()) {
          sendJson(
              exchange,
              400,
              Map.of(),
              oauthError("invalid_request", "username and password needed"));
          return;
        }
        Login login = login(username.get(), password.get(), client, rules, "token");
        if (login.retryAfter().isPresent()) {
          throttled(exchange, login.retryAfter().get());
        } else if (login.user().isEmpty()) {
          sendJson(exchange, 401, Map.of(), oauthError("invalid_grant", "wrong credentials"));
        } else {
          issue(exchange, rules, login.user(), form.all("scope"), offline, Optional.empty());
        }
      }
      case "refresh_token" -> {
        Optional<String> refreshToken = form.first("refresh_token");
        Optional<String> user =
            refreshToken.flatMap(
                t -> refreshTokens.get().verify(rules.signingKey().get(), t, rules.htpasswd()));
        if (user.isEmpty()) {
          metrics.refreshTokensRejected.increment();
          LOG.info("refresh token refused from {}", client);
          sendJson(exchange, 401, Map.of(), oauthError("invalid_grant", "refresh token not valid"));
          return;
        }
        // The same refresh token goes back: using it does not extend its life.
        issue(exchange, rules, user, form.all("scope"), false, refreshToken);
      }
      default ->
          sendJson(
              exchange,
              400,
              Map.of(),
              oauthError("unsupported_grant_type", "password or refresh_token"));
    }
  }

  private void issue(
      HttpExchange exchange,
      WatchedAuthFiles.Rules rules,
      Optional<String> user,
      List<String> scopeParameters,
      boolean offline,
      Optional<String> existingRefreshToken)
      throws IOException {
    AccessFile access = rules.access();
    SigningKey key = rules.signingKey().get();
    List<TokenScope> granted =
        TokenScope.parse(scopeParameters).stream().map(s -> s.granted(access, user)).toList();
    TokenIssuer.IssuedToken token = tokens.get().issue(key, user.orElse(""), granted);
    metrics.accessTokensIssued.increment();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("token", token.token());
    body.put("access_token", token.token());
    body.put("expires_in", token.expiresInSeconds());
    body.put("issued_at", token.issuedAt().truncatedTo(ChronoUnit.SECONDS).toString());
    if (existingRefreshToken.isPresent()) {
      body.put("refresh_token", existingRefreshToken.get());
    } else if (offline && user.isPresent()) {
      String hash = rules.htpasswd().hash(user.get()).orElseThrow();
      body.put("refresh_token", refreshTokens.get().issue(key, user.get(), hash));
      metrics.refreshTokensIssued.increment();
    }
    LOG.debug(
        "token for {}: {}",
        user.map(LogSafe::name).orElse("anonymous"),
        granted.stream().map(s -> s.type() + ":" + s.name() + ":" + s.actions()).toList());
    sendJson(exchange, 200, Map.of(), body);
  }

  private void throttled(HttpExchange exchange, Duration retryAfter) throws IOException {
    sendJson(
        exchange,
        429,
        Map.of("Retry-After", Long.toString(seconds(retryAfter))),
        error("TOOMANYREQUESTS", "too many failed logins, retry later"));
  }

  private static Optional<String> readForm(HttpExchange exchange) throws IOException {
    String type = Optional.ofNullable(header(exchange, "Content-Type")).orElse("");
    if (!type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
      return Optional.empty();
    }
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(MAX_FORM_BYTES + 1);
      if (body.length > MAX_FORM_BYTES) {
        return Optional.empty();
      }
      return Optional.of(new String(body, StandardCharsets.UTF_8));
    }
  }

  private static Map<String, Object> error(String code, String message) {
    return Map.of("errors", List.of(Map.of("code", code, "message", message)));
  }

  private static Map<String, Object> oauthError(String code, String description) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", code);
    body.put("error_description", description);
    return body;
  }

  // ---- /healthz, /metrics -----------------------------------------------------------------------

  private void healthz(HttpExchange exchange) throws IOException {
    List<Path> missing = files.missing();
    if (missing.isEmpty()) {
      send(exchange, 200, Map.of("Content-Type", "text/plain; charset=utf-8"), "ok\n");
    } else {
      send(
          exchange,
          503,
          Map.of("Content-Type", "text/plain; charset=utf-8"),
          "waiting for " + missing + "\n");
    }
  }

  private void metrics(HttpExchange exchange) throws IOException {
    send(
        exchange,
        200,
        Map.of("Content-Type", "text/plain; version=0.0.4; charset=utf-8"),
        metrics.scrape());
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private static long seconds(Duration duration) {
    return Math.max(1, (duration.toMillis() + 999) / 1000);
  }

  private static String header(HttpExchange exchange, String name) {
    return exchange.getRequestHeaders().getFirst(name);
  }

  private static String clientAddress(HttpExchange exchange) {
    String realIp = header(exchange, "X-Real-IP");
    if (realIp != null && !realIp.isBlank()) {
      return LogSafe.name(realIp.trim());
    }
    return exchange.getRemoteAddress().getAddress().getHostAddress();
  }

  private static void sendJson(
      HttpExchange exchange, int status, Map<String, String> headers, Object body)
      throws IOException {
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.put("Content-Type", "application/json");
    // Tokens must not land in any cache between here and the client.
    all.put("Cache-Control", "no-store");
    all.put("Pragma", "no-cache");
    try {
      send(exchange, status, all, JSON.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON answer", e);
    }
  }

  private static void send(
      HttpExchange exchange, int status, Map<String, String> headers, String body)
      throws IOException {
    headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
    byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    boolean noBody = bytes.length == 0 || exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, noBody ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      if (!noBody) {
        out.write(bytes);
      }
    }
  }

  private interface Handler {
    void handle(HttpExchange exchange) throws IOException;
  }

  /** A failing handler answers 500 and logs the exception's class, never its message. */
  private static HttpHandler guarded(String exactPath, Handler handler) {
    return exchange -> {
      try {
        // A context matches every path it prefixes ("/authx", "/auth/x"); only its own path counts.
        if (exactPath != null && !exactPath.equals(exchange.getRequestURI().getRawPath())) {
          send(exchange, 404, Map.of(), null);
          return;
        }
        handler.handle(exchange);
      } catch (RuntimeException | IOException e) {
        LOG.warn(
            "request on {} failed: {}",
            exchange.getHttpContext().getPath(),
            e.getClass().getName());
        try {
          send(exchange, 500, Map.of(), null);
        } catch (IOException | RuntimeException ignored) {
          // the answer may already be under way; nothing more to do
        }
      } finally {
        exchange.close();
      }
    };
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
