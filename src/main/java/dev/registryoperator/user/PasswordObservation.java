package dev.registryoperator.user;

import java.util.Optional;

/**
 * What a reconcile knows of a user's password before its children are applied. The password itself
 * is read only when something must be made from it: a new hash, or a pull Secret that does not yet
 * hold it. A resync of an unchanged user therefore reads no Secret and hashes nothing.
 */
sealed interface PasswordObservation {

  /**
   * The referenced Secret is at the version the entry (and the pull Secret, if wanted) were made
   * from: it was valid then and has not changed since.
   */
  record Unchanged(String source) implements PasswordObservation {}

  /**
   * The password was read.
   *
   * @param source where it came from (see {@code EntrySecret.passwordSource})
   * @param value the password, or empty when the Secret has no such key
   */
  record Read(String secretName, String key, String source, Optional<String> value)
      implements PasswordObservation {
    @Override
    public String toString() {
      return "Read[" + secretName + "/" + key + ", " + source + "]"; // never the password
    }
  }

  /** The referenced Secret does not exist. */
  record SecretNotFound(String secretName) implements PasswordObservation {}

  /** The user has a generated password, which its create-once dependent is about to generate. */
  record NotYetGenerated() implements PasswordObservation {}
}
