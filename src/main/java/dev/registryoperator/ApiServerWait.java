package dev.registryoperator;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits, before anything else, for the API server to answer. A replica that starts while the API
 * server is away - kubelet replacing the one that exited on its lost lease during a control-plane
 * restart - would otherwise fail JOSDK's first lists and exit, and kubelet would start it again
 * with a growing back-off, later than the API server returns; nor could it read its own image. Any
 * answer counts, a refusal too: bad credentials and RBAC are reported by what follows, not waited
 * out. After {@link #LIMIT} the operator starts anyway and fails the way it always did, so a wrong
 * server address still ends in an error.
 */
final class ApiServerWait {

  /** Within deploy/'s startup probe (60 failures, 2 s apart) with the JVM's start. */
  static final Duration LIMIT = Duration.ofSeconds(100);

  static final Duration PAUSE = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(ApiServerWait.class);

  /** One request to the API server; throws when it got no answer. */
  interface Ask {
    void ask();
  }

  interface Pause {
    void pause(Duration duration) throws InterruptedException;
  }

  private ApiServerWait() {}

  /**
   * @return whether the API server answered within the limit
   */
  static boolean untilAnswered(
      String server, Ask ask, Duration limit, Pause pause, LongSupplier nanoTime)
      throws InterruptedException {
    long started = nanoTime.getAsLong();
    for (int attempt = 1; ; attempt++) {
      try {
        ask.ask();
        return answered(server, attempt, started, nanoTime);
      } catch (RuntimeException e) {
        if (e instanceof KubernetesClientException api && api.getCode() > 0) {
          // An HTTP status is an answer.
          return answered(server, attempt, started, nanoTime);
        }
        if (attempt == 1) {
          // The server's address and the exception's type only: its message may quote a request.
          log.warn(
              "The API server {} does not answer ({}); waiting up to {} s for it before starting",
              server,
              rootCauseName(e),
              limit.toSeconds());
        }
      }
      if (Duration.ofNanos(nanoTime.getAsLong() - started).compareTo(limit) >= 0) {
        log.warn(
            "The API server {} did not answer in {} s; starting anyway", server, limit.toSeconds());
        return false;
      }
      pause.pause(PAUSE);
    }
  }

  private static boolean answered(String server, int attempt, long started, LongSupplier nanoTime) {
    if (attempt > 1) {
      log.info(
          "The API server {} answered after {} s",
          server,
          Duration.ofNanos(nanoTime.getAsLong() - started).toSeconds());
    }
    return true;
  }

  private static String rootCauseName(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getClass().getSimpleName();
  }
}
