package dev.registryoperator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RegisteredController;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerWrappingEventSourceHealthIndicator;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Probe endpoints for kubelet, and /metrics for Prometheus in its text format.
 *
 * <ul>
 *   <li>/startup: the operator started (every informer listed once).
 *   <li>/healthz, liveness: every informer still runs. One whose watch is reconnecting - the API
 *       server away, restarting or upgraded - counts as alive: a restart cannot bring the API
 *       server back, and a restarted operator that cannot list would end in CrashLoopBackOff and
 *       come back later than the reconnect. With "watching" in liveness, a standby replica was
 *       restarted by kubelet after a control-plane restart (ControlPlaneRestartClusterIT).
 *   <li>/readyz, readiness: every informer watches and has synced; the pod shows not ready while
 *       the API server is away.
 * </ul>
 *
 * An informer that stops for good ends the process anyway (JOSDK's default stopped-informer handler
 * exits).
 */
final class HealthServer {

  private final HttpServer server;

  private HealthServer(HttpServer server) {
    this.server = server;
  }

  static HealthServer start(int port, Operator operator, Supplier<String> metrics)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext(
        "/startup", exchange -> answer(exchange, operator.getRuntimeInfo()::isStarted));
    server.createContext("/healthz", exchange -> answer(exchange, () -> informersRun(operator)));
    server.createContext(
        "/readyz",
        exchange -> answer(exchange, operator.getRuntimeInfo()::allEventSourcesAreHealthy));
    server.createContext("/metrics", exchange -> serveMetrics(exchange, metrics.get()));
    server.start();
    return new HealthServer(server);
  }

  private static boolean informersRun(Operator operator) {
    for (RegisteredController<?> controller :
        operator.getRuntimeInfo().getRegisteredControllers()) {
      for (InformerWrappingEventSourceHealthIndicator<?> eventSource :
          controller.getControllerHealthInfo().informerEventSourceHealthIndicators().values()) {
        for (InformerHealthIndicator informer : eventSource.informerHealthIndicators().values()) {
          if (!informer.isRunning()) {
            return false;
          }
        }
      }
    }
    return true;
  }

  /** The port it listens on (the one asked for, or the one the system chose for 0). */
  int port() {
    return server.getAddress().getPort();
  }

  void stop() {
    server.stop(0);
  }

  private static void serveMetrics(HttpExchange exchange, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static void answer(HttpExchange exchange, BooleanSupplier healthy) throws IOException {
    boolean ok = healthy.getAsBoolean();
    byte[] body = (ok ? "ok\n" : "not ready\n").getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(ok ? 200 : 503, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
