package dev.registryoperator.user.model;

import org.mindrot.jbcrypt.BCrypt;

/**
 * bcrypt hashing: the one expensive operation of user handling (about 50 ms at cost 10). A
 * collaborator of its own so that a benchmark can count the operations.
 */
public class PasswordHasher {

  public String hash(String password, int cost) {
    return BCrypt.hashpw(password, BCrypt.gensalt(cost));
  }
}
