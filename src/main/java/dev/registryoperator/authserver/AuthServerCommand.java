package dev.registryoperator.authserver;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code registry-operator auth-server ...}: the registry pod's auth sidecar, from the same jar.
 */
@Command(
    name = "auth-server",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a registry's authorization service for nginx (auth_request on /auth) and, with a"
          + " token key, the registry's token endpoint (/token). Listens on loopback only.",
      "",
      "Files are re-read when their content changes (checked every second); a file that is"
          + " missing or does not parse keeps the last good version. Until every file has"
          + " loaded once, everything is denied and /healthz answers 503."
    })
public final class AuthServerCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:5002",
      description = "Loopback address and port to listen on. Default: ${DEFAULT-VALUE}.")
  private String listen;

  @Option(
      names = "--htpasswd",
      paramLabel = "FILE",
      required = true,
      description = "htpasswd file with bcrypt entries.")
  private Path htpasswd;

  @Option(
      names = "--access",
      paramLabel = "FILE",
      required = true,
      description = "access.json with the users' and anonymous grants.")
  private Path access;

  @Option(
      names = "--realm",
      paramLabel = "REALM",
      defaultValue = "Registry",
      description = "Realm of the Basic challenge. Default: ${DEFAULT-VALUE}.")
  private String realm;

  @Option(
      names = "--token-key",
      paramLabel = "FILE",
      description = "PKCS#8 PEM EC P-256 key that signs tokens (Token mode).")
  private Path tokenKey;

  @Option(
      names = "--token-cert",
      paramLabel = "FILE",
      description = "PEM chain for --token-key: signing certificate first, then its CA.")
  private Path tokenCertificate;

  @Option(names = "--issuer", paramLabel = "ISSUER", description = "Token issuer (iss).")
  private String issuer;

  @Option(
      names = "--service",
      paramLabel = "SERVICE",
      description = "Token service, the tokens' audience (aud).")
  private String service;

  @Option(
      names = "--token-lifetime",
      paramLabel = "SECONDS",
      defaultValue = "300",
      description = "Lifetime of access tokens. Default: ${DEFAULT-VALUE}.")
  private long tokenLifetime;

  @Option(
      names = "--refresh-token-lifetime",
      paramLabel = "SECONDS",
      defaultValue = "86400",
      description =
          "Lifetime of refresh tokens (they also end when the user's password changes)."
              + " Default: ${DEFAULT-VALUE}.")
  private long refreshTokenLifetime;

  @Option(
      names = "--cache-ttl",
      paramLabel = "SECONDS",
      defaultValue = "300",
      description =
          "How long a verified password is remembered (0 to check bcrypt every time)."
              + " Default: ${DEFAULT-VALUE}.")
  private long cacheTtl;

  @Option(
      names = "--cache-size",
      paramLabel = "N",
      defaultValue = "10000",
      description = "Users remembered at most by the credential cache. Default: ${DEFAULT-VALUE}.")
  private int cacheSize;

  @Option(
      names = "--throttle-after",
      paramLabel = "N",
      defaultValue = "5",
      description =
          "Consecutive failed logins of a user from one address before it is throttled."
              + " Default: ${DEFAULT-VALUE}.")
  private int throttleAfter;

  @Option(
      names = "--throttle-max",
      paramLabel = "SECONDS",
      defaultValue = "300",
      description =
          "Longest throttle; it starts at 1 s and doubles per further failure."
              + " Default: ${DEFAULT-VALUE}.")
  private long throttleMax;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "16",
      description = "Request threads. Default: ${DEFAULT-VALUE}.")
  private int threads;

  @Override
  public Integer call() throws Exception {
    AuthServer server = AuthServer.start(config(), Clock.systemUTC());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }

  AuthServer.Config config() {
    boolean anyToken =
        tokenKey != null || tokenCertificate != null || issuer != null || service != null;
    boolean allToken =
        tokenKey != null && tokenCertificate != null && issuer != null && service != null;
    if (anyToken && !allToken) {
      throw new ParameterException(
          spec.commandLine(),
          "Token mode needs all of --token-key, --token-cert, --issuer and --service");
    }
    if (tokenLifetime < 1 || refreshTokenLifetime < 1 || cacheSize < 1 || threads < 1) {
      throw new ParameterException(spec.commandLine(), "lifetimes, sizes and threads must be > 0");
    }
    Duration maxBlock = Duration.ofSeconds(Math.max(1, throttleMax));
    LoginThrottle.Settings throttle =
        new LoginThrottle.Settings(
            throttleAfter,
            Duration.ofSeconds(1),
            maxBlock,
            maxBlock.plus(Duration.ofMinutes(10)),
            10_000);
    return new AuthServer.Config(
        loopback(listen),
        htpasswd,
        access,
        realm,
        allToken
            ? Optional.of(
                new AuthServer.TokenConfig(
                    tokenKey,
                    tokenCertificate,
                    issuer,
                    service,
                    Duration.ofSeconds(tokenLifetime),
                    Duration.ofSeconds(refreshTokenLifetime)))
            : Optional.empty(),
        cacheSize,
        Duration.ofSeconds(Math.max(0, cacheTtl)),
        throttle,
        threads,
        Duration.ofSeconds(1));
  }

  /**
   * The server trusts nginx's X-Original-* and X-Real-IP headers; anyone else who could reach it
   * could forge them, so only loopback addresses are accepted.
   */
  private InetSocketAddress loopback(String hostAndPort) {
    int colon = hostAndPort.lastIndexOf(':');
    if (colon <= 0) {
      throw new ParameterException(spec.commandLine(), "--listen needs HOST:PORT");
    }
    String host = hostAndPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      int port = Integer.parseInt(hostAndPort.substring(colon + 1));
      InetAddress address = InetAddress.getByName(host);
      if (!address.isLoopbackAddress() || port < 0 || port > 65535) {
        throw new ParameterException(
            spec.commandLine(), "--listen must be a loopback address and a port");
      }
      return new InetSocketAddress(address, port);
    } catch (NumberFormatException | UnknownHostException e) {
      throw new ParameterException(spec.commandLine(), "--listen needs HOST:PORT");
    }
  }
}
