package dev.registryoperator.user.model;

import dev.registryoperator.access.Grant;
import dev.registryoperator.access.Permissions;
import dev.registryoperator.access.RepositoryPattern;
import dev.registryoperator.api.v1alpha1.RegistryUserSpec;
import dev.registryoperator.api.v1alpha1.RepositoryAccess;
import dev.registryoperator.status.Problem;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A user's access list as the auth server applies it. */
public final class UserPermissions {

  private UserPermissions() {}

  public static Permissions of(RegistryUserSpec spec) {
    if (spec.access == null) {
      return spec.catalog == null || spec.catalog
          ? Permissions.UNRESTRICTED
          : new Permissions(Permissions.UNRESTRICTED.grants(), false);
    }
    List<Grant> grants =
        spec.access.stream()
            .map(
                access ->
                    new Grant(access.repositories, access.actions.stream().distinct().toList()))
            .toList();
    return new Permissions(grants, spec.catalog != null && spec.catalog);
  }

  /** What the schema checks on servers with CEL, for the servers without it (before 1.25). */
  public static Optional<Problem> validate(RegistryUserSpec spec) {
    if (spec.access == null) {
      return Optional.empty();
    }
    for (int i = 0; i < spec.access.size(); i++) {
      RepositoryAccess access = spec.access.get(i);
      String at = "spec.access[" + i + "]";
      if (access == null || access.repositories == null || access.repositories.isEmpty()) {
        return invalid(at + ".repositories must name at least one repository pattern.");
      }
      if (access.actions == null
          || access.actions.isEmpty()
          || access.actions.stream().anyMatch(Objects::isNull)) {
        return invalid(at + ".actions must list at least one of pull, push, delete.");
      }
      for (String pattern : access.repositories) {
        if (!RepositoryPattern.isValid(pattern)) {
          return invalid(
              at
                  + ".repositories has '"
                  + printable(pattern)
                  + "', which is not a repository pattern: "
                  + RepositoryPattern.RULE
                  + ".");
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<Problem> invalid(String message) {
    return Optional.of(new Problem("InvalidAccess", message));
  }

  /** A pattern goes into status and an Event: keep control characters and length out. */
  private static String printable(String pattern) {
    String shown = pattern == null ? "" : pattern.replaceAll("\\p{Cntrl}", "?");
    return shown.length() > 64 ? shown.substring(0, 64) + "..." : shown;
  }
}
