package dev.registryoperator.testing;

import dev.registryoperator.user.model.PasswordHasher;
import java.util.concurrent.atomic.AtomicLong;

/** bcrypt, counted: what "no bcrypt on resync" is measured by. */
public final class CountingHasher extends PasswordHasher {

  private final AtomicLong operations = new AtomicLong();

  @Override
  public String hash(String password, int cost) {
    operations.incrementAndGet();
    return super.hash(password, cost);
  }

  /** bcrypt operations since creation. */
  public long operations() {
    return operations.get();
  }
}
