package dev.registryoperator.user;

import dev.registryoperator.api.v1alpha1.AuthSpec.AuthMode;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.api.v1alpha1.RegistryUserSpec.SecretKeyRef;
import dev.registryoperator.naming.UserSecretNames;
import dev.registryoperator.roster.Roster;
import dev.registryoperator.roster.Usernames;
import dev.registryoperator.status.Problem;
import dev.registryoperator.user.PasswordObservation.NotUtf8;
import dev.registryoperator.user.PasswordObservation.OperatorMade;
import dev.registryoperator.user.PasswordObservation.Read;
import dev.registryoperator.user.PasswordObservation.SecretNotFound;
import dev.registryoperator.user.model.Passwords;
import dev.registryoperator.user.model.UserPermissions;
import java.util.Optional;

/**
 * Whether a user can be in its registry's htpasswd file, judged from what the reconcile observed.
 * Pure: no client, no Events, nothing created. Everything here is the user's to fix.
 */
final class UserValidation {

  static final String PASSWORD_SECRET_NOT_ALLOWED = "PasswordSecretNotAllowed";

  private UserValidation() {}

  static Optional<Problem> validate(RegistryUser user, UserObservation seen) {
    String username = Usernames.effective(user);
    Optional<Problem> invalidName = Usernames.validate(username);
    if (invalidName.isPresent()) {
      return invalidName;
    }
    Optional<Problem> invalidAccess = UserPermissions.validate(user.getSpec());
    if (invalidAccess.isPresent()) {
      return invalidAccess;
    }
    String registry = user.getSpec().registryRef;
    if (seen.registry().isEmpty()) {
      return problem(
          "RegistryNotFound",
          "PrivateRegistry '" + registry + "' does not exist in this namespace.");
    }
    if (seen.registry().get().getSpec().auth.mode == AuthMode.ExternalToken) {
      return problem(
          "ExternalTokenServer",
          "PrivateRegistry '"
              + registry
              + "' authenticates with an external token server"
              + " (spec.auth.mode ExternalToken): manage this user there. Nothing was added to the"
              + " registry.");
    }
    Optional<RegistryUser> holder = Roster.heldByOther(user, seen.usersOfSameRegistry());
    if (holder.isPresent()) {
      return problem(
          "DuplicateUsername",
          "RegistryUser '"
              + holder.get().getMetadata().getName()
              + "' already has username '"
              + username
              + "' in registry '"
              + registry
              + "' (the oldest keeps it).");
    }
    SecretKeyRef ref = user.getSpec().passwordSecretRef;
    if (ref != null && UserSecretNames.of(user).madeFromPassword().contains(ref.name)) {
      return problem(
          PASSWORD_SECRET_NOT_ALLOWED,
          "The password Secret '"
              + ref.name
              + "' is one the operator makes for this user from its password: refer to a Secret"
              + " of your own.");
    }
    PasswordObservation password = seen.password().orElseThrow();
    if (password instanceof OperatorMade made) {
      return problem(
          PASSWORD_SECRET_NOT_ALLOWED,
          "The password Secret '"
              + made.secretName()
              + "' is made and changed by the operator: refer to a Secret of your own.");
    }
    if (password instanceof NotUtf8 notUtf8) {
      return problem(
          Passwords.INVALID,
          "The password in Secret '"
              + notUtf8.secretName()
              + "' (key '"
              + notUtf8.key()
              + "') is not UTF-8 text: registry clients send passwords as UTF-8, so no client"
              + " could log in with it.");
    }
    if (password instanceof SecretNotFound missing) {
      return problem(
          "PasswordSecretNotFound",
          "The password Secret '" + missing.secretName() + "' does not exist.");
    }
    if (password instanceof Read read) {
      if (read.value().isEmpty()) {
        return problem(
            "PasswordKeyNotFound",
            "The Secret '"
                + read.secretName()
                + "' has no key '"
                + read.key()
                + "'."
                + (user.getSpec().passwordSecretRef == null
                    ? " Delete the Secret to have a new password generated."
                    : ""));
      }
      return Passwords.validate(read.value().get());
    }
    // Unchanged: valid when its entry was made, and not changed since. NotYetGenerated: will be.
    return Optional.empty();
  }

  private static Optional<Problem> problem(String reason, String message) {
    return Optional.of(new Problem(reason, message));
  }
}
