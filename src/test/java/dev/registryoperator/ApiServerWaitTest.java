package dev.registryoperator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ApiServerWaitTest {

  private static final String SERVER = "https://10.0.0.1:443/";

  /** A clock that moves only when paused, and every ask takes a second. */
  private final AtomicLong nanos = new AtomicLong();

  private final List<Duration> pauses = new ArrayList<>();

  private final AtomicInteger asks = new AtomicInteger();

  @Test
  void anAnsweringServerIsNotWaitedFor() throws InterruptedException {
    assertThat(wait(0, null)).isTrue();
    assertThat(asks).hasValue(1);
    assertThat(pauses).isEmpty();
  }

  @Test
  void aServerThatAnswersAfterTwoAttemptsIsWaitedFor() throws InterruptedException {
    assertThat(wait(2, noAnswer())).isTrue();
    assertThat(asks).hasValue(3);
    assertThat(pauses).containsExactly(ApiServerWait.PAUSE, ApiServerWait.PAUSE);
  }

  @Test
  void aRefusalIsAnAnswer() throws InterruptedException {
    assertThat(wait(Integer.MAX_VALUE, new KubernetesClientException("Forbidden", 403, null)))
        .isTrue();
    assertThat(asks).hasValue(1);
  }

  @Test
  void anyOtherFailureIsNoAnswer() throws InterruptedException {
    assertThat(wait(1, new IllegalStateException("closed"))).isTrue();
    assertThat(asks).hasValue(2);
  }

  @Test
  void aServerThatNeverAnswersIsWaitedForUpToTheLimit() throws InterruptedException {
    assertThat(wait(Integer.MAX_VALUE, noAnswer())).isFalse();
    // Each attempt takes 1 s and each pause 2 s: asked at 0, 3, ..., 99 s; the one at 99 s ends
    // 100 s after the start, the limit.
    assertThat(asks).hasValue(34);
    assertThat(Duration.ofNanos(nanos.get())).isEqualTo(ApiServerWait.LIMIT);
  }

  /** fabric8's wrapping of a refused connection: no HTTP status. */
  private static KubernetesClientException noAnswer() {
    return new KubernetesClientException("Operation: [get] failed", new ConnectException());
  }

  private boolean wait(int failures, RuntimeException failure) throws InterruptedException {
    return ApiServerWait.untilAnswered(
        SERVER,
        () -> {
          nanos.addAndGet(Duration.ofSeconds(1).toNanos());
          if (asks.incrementAndGet() <= failures) {
            throw failure;
          }
        },
        ApiServerWait.LIMIT,
        pause -> {
          pauses.add(pause);
          nanos.addAndGet(pause.toNanos());
        },
        nanos::get);
  }
}
