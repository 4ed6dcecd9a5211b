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
   * from: it was valid then and has not changed since. What the children need is taken from them.
   *
   * @param hash the hash in the user's entry
   * @param password the password in the user's pull Secret; empty when the user has none
   */
  record Unchanged(String source, String hash, Optional<String> password)
      implements PasswordObservation {
    @Override
    public String toString() {
      return "Unchanged[" + source + "]";
    }
  }

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

  /**
   * The referenced Secret holds bytes under the key that are not UTF-8: clients send passwords as
   * UTF-8 text, so no client could send these bytes, and decoding them would silently turn
   * different passwords into the same one.
   */
  record NotUtf8(String secretName, String key) implements PasswordObservation {}

  /**
   * The referenced Secret is one the operator made (labelled as managed by it): its content changes
   * with the operator's own work (a user's entry changes whenever its hash does), so using it as a
   * password would never settle, and it is not the user's to hand out.
   */
  record OperatorMade(String secretName) implements PasswordObservation {}

  /** The referenced Secret does not exist. */
  record SecretNotFound(String secretName) implements PasswordObservation {}

  /** The user has a generated password, which its create-once dependent is about to generate. */
  record NotYetGenerated() implements PasswordObservation {}
}
