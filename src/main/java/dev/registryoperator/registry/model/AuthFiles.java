package dev.registryoperator.registry.model;

import dev.registryoperator.access.AccessFile;
import dev.registryoperator.access.Action;
import dev.registryoperator.access.Grant;
import dev.registryoperator.access.Permissions;
import dev.registryoperator.api.v1alpha1.PrivateRegistrySpec;
import dev.registryoperator.roster.Htpasswd;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The two files the auth server reads, rendered together into one Secret so that a user and its
 * rules always arrive at the same time: htpasswd, and the access rules of its users plus the
 * registry's anonymous grants.
 */
public record AuthFiles(String htpasswd, String access) {

  public static AuthFiles of(PrivateRegistrySpec spec, List<Htpasswd.Entry> roster) {
    Map<String, Permissions> users = new TreeMap<>();
    roster.forEach(entry -> users.put(entry.username(), entry.permissions()));
    List<Grant> anonymous =
        spec.auth.anonymousPull == null || spec.auth.anonymousPull.isEmpty()
            ? List.of()
            : List.of(new Grant(spec.auth.anonymousPull, List.of(Action.pull)));
    return new AuthFiles(Htpasswd.render(roster), AccessFile.of(anonymous, users).render());
  }

  @Override
  public String toString() {
    return "AuthFiles[" + Htpasswd.parse(htpasswd).size() + " users]"; // hashes stay out of logs
  }
}
