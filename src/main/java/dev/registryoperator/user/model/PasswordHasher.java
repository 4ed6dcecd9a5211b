package dev.registryoperator.user.model;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.mindrot.jbcrypt.BCrypt;

/**
 * bcrypt hashing: the one expensive operation of user handling (about 50 ms at cost 10), counted in
 * the operator's metrics: a steady rate means passwords are being rehashed that should not be.
 */
public class PasswordHasher {

  public static final String OPERATIONS = "registry_operator_bcrypt_operations";

  private final Counter operations;

  public PasswordHasher(MeterRegistry meters) {
    this.operations =
        Counter.builder(OPERATIONS).description("bcrypt hashes computed").register(meters);
  }

  /** Counted nowhere anyone looks. */
  public PasswordHasher() {
    this(new SimpleMeterRegistry());
  }

  public String hash(String password, int cost) {
    operations.increment();
    return BCrypt.hashpw(password, BCrypt.gensalt(cost));
  }
}
