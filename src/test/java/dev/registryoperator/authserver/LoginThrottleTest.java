package dev.registryoperator.authserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2025-03-01T12:00:00Z"));
  private final LoginThrottle throttle = new LoginThrottle(LoginThrottle.Settings.DEFAULT, clock);

  private void fail(int times) {
    for (int i = 0; i < times; i++) {
      throttle.failed("alice", "10.0.0.1");
    }
  }

  @Test
  void theFirstFailuresAreFreeThenTheBlockDoublesUpToTheCap() {
    fail(4);
    assertThat(throttle.blocked("alice", "10.0.0.1")).isEmpty();

    fail(1);
    assertThat(throttle.blocked("alice", "10.0.0.1")).contains(Duration.ofSeconds(1));

    fail(1);
    assertThat(throttle.blocked("alice", "10.0.0.1")).contains(Duration.ofSeconds(2));
    fail(1);
    assertThat(throttle.blocked("alice", "10.0.0.1")).contains(Duration.ofSeconds(4));
    fail(20);
    assertThat(throttle.blocked("alice", "10.0.0.1")).contains(Duration.ofMinutes(5));
  }

  @Test
  void theBlockEndsWhenItsTimeIsUp() {
    fail(6);
    clock.advance(Duration.ofMillis(1500));
    assertThat(throttle.blocked("alice", "10.0.0.1")).contains(Duration.ofMillis(500));
    clock.advance(Duration.ofMillis(500));
    assertThat(throttle.blocked("alice", "10.0.0.1")).isEmpty();
    // the count goes on: the next failure blocks for longer
    fail(1);
    assertThat(throttle.blocked("alice", "10.0.0.1")).contains(Duration.ofSeconds(4));
  }

  @Test
  void aSuccessResetsThePair() {
    fail(5);
    throttle.succeeded("alice", "10.0.0.1");
    assertThat(throttle.blocked("alice", "10.0.0.1")).isEmpty();
    fail(4);
    assertThat(throttle.blocked("alice", "10.0.0.1")).isEmpty();
  }

  @Test
  void otherUsersAndOtherClientsAreNotAffected() {
    fail(10);
    assertThat(throttle.blocked("alice", "10.0.0.1")).isPresent();
    assertThat(throttle.blocked("alice", "10.0.0.2")).isEmpty();
    assertThat(throttle.blocked("bob", "10.0.0.1")).isEmpty();
  }

  @Test
  void oldFailuresAreForgottenAfterALongQuietTime() {
    fail(4);
    clock.advance(Duration.ofMinutes(15));
    fail(1);
    assertThat(throttle.blocked("alice", "10.0.0.1")).isEmpty();
  }

  @Test
  void memoryIsBounded() {
    LoginThrottle small =
        new LoginThrottle(
            new LoginThrottle.Settings(
                1, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofMinutes(1), 100),
            clock);
    for (int i = 0; i < 1000; i++) {
      small.failed("user" + i, "10.0.0.1");
    }
    assertThat(small.size()).isEqualTo(100);
    assertThat(small.blocked("user999", "10.0.0.1")).isPresent();
    assertThat(small.blocked("user0", "10.0.0.1")).isEmpty();
  }

  @Test
  void refusesSettingsThatWouldForgetABlockedPair() {
    assertThatThrownBy(
            () ->
                new LoginThrottle.Settings(
                    5, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(1), 10))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
