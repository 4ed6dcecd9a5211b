package dev.registryoperator.authserver;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The auth server's counters, in Prometheus form under {@code registry_auth_}. Labels hold fixed
 * words only (never a username, let alone a secret), so the series stay few and harmless.
 */
public final class AuthMetrics {

  private final PrometheusMeterRegistry registry;
  final Counter loginsOk;
  final Counter loginsFailed;
  final Counter throttledAuth;
  final Counter throttledToken;
  final Counter cacheHits;
  final Counter cacheMisses;
  final Counter bcryptVerifications;
  final Counter accessTokensIssued;
  final Counter refreshTokensIssued;
  final Counter refreshTokensRejected;
  final Counter allowed;
  final Counter allowedWithoutMount;
  final Counter deniedUnauthorized;
  final Counter deniedForbidden;
  final Counter deniedInvalid;
  final Counter reloadsOk;
  final Counter reloadsFailed;

  public AuthMetrics() {
    this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  AuthMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    loginsOk = counter("registry.auth.logins", "Password checks", "result", "ok");
    loginsFailed = counter("registry.auth.logins", "Password checks", "result", "failed");
    throttledAuth =
        counter("registry.auth.throttled", "Attempts refused by the throttle", "endpoint", "auth");
    throttledToken =
        counter("registry.auth.throttled", "Attempts refused by the throttle", "endpoint", "token");
    cacheHits = counter("registry.auth.cache.hits", "Verified-credential cache hits");
    cacheMisses = counter("registry.auth.cache.misses", "Verified-credential cache misses");
    bcryptVerifications =
        counter("registry.auth.bcrypt.verifications", "bcrypt compares, dummy ones included");
    accessTokensIssued = counter("registry.auth.tokens.issued", "Tokens issued", "type", "access");
    refreshTokensIssued =
        counter("registry.auth.tokens.issued", "Tokens issued", "type", "refresh");
    refreshTokensRejected =
        counter("registry.auth.refresh.rejected", "Refresh tokens refused (invalid or stale)");
    allowed =
        counter("registry.auth.decisions", "Decisions on registry requests", "decision", "allowed");
    allowedWithoutMount =
        counter(
            "registry.auth.decisions",
            "Decisions on registry requests",
            "decision",
            "allowed_without_mount");
    deniedUnauthorized =
        counter(
            "registry.auth.decisions",
            "Decisions on registry requests",
            "decision",
            "unauthorized");
    deniedForbidden =
        counter(
            "registry.auth.decisions", "Decisions on registry requests", "decision", "forbidden");
    deniedInvalid =
        counter("registry.auth.decisions", "Decisions on registry requests", "decision", "invalid");
    reloadsOk = counter("registry.auth.file.reloads", "Rules files (re)loaded", "result", "ok");
    reloadsFailed =
        counter("registry.auth.file.reloads", "Rules files (re)loaded", "result", "failed");
  }

  private Counter counter(String name, String description, String... tags) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public String scrape() {
    return registry.scrape();
  }
}
