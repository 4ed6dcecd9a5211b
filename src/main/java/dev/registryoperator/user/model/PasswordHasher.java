package dev.registryoperator.user.model;

import java.util.concurrent.atomic.AtomicLong;
import org.mindrot.jbcrypt.BCrypt;

/**
 * bcrypt hashing, counted: the one expensive operation of user handling. The count is what the
 * user benchmark reports and what "zero bcrypt on resync" is measured by.
 */
public class PasswordHasher {

  private final AtomicLong operations = new AtomicLong();

  public String hash(String password, int cost) {
    operations.incrementAndGet();
    return BCrypt.hashpw(password, BCrypt.gensalt(cost));
  }

  /** bcrypt operations since start. */
  public long operations() {
    return operations.get();
  }
}
