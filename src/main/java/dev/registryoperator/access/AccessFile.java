package dev.registryoperator.access;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The registry's access rules as one file next to htpasswd: the operator renders it from the
 * registry and its users, the auth server reads it. Anonymous grants apply to every client, logged
 * in or not. A user listed in htpasswd but not here may do nothing: the file and htpasswd are
 * written together, so that only happens to a hand-edited Secret.
 */
public record AccessFile(List<Grant> anonymous, SortedMap<String, Permissions> users) {

  public static final AccessFile EMPTY = new AccessFile(List.of(), new TreeMap<>());

  public AccessFile {
    anonymous = List.copyOf(anonymous);
    users = new TreeMap<>(users);
  }

  public static AccessFile of(List<Grant> anonymous, Map<String, Permissions> users) {
    return new AccessFile(anonymous, new TreeMap<>(users));
  }

  /** The same rules always give the same bytes, so an unchanged roster never rewrites the file. */
  public String render() {
    return AccessJson.write(this);
  }

  public static AccessFile parse(String json) {
    return AccessJson.read(json, AccessFile.class);
  }

  /** The actions a client may take on a repository; an empty username is an anonymous client. */
  public Set<Action> allowed(Optional<String> username, String repository) {
    Set<Action> allowed = EnumSet.noneOf(Action.class);
    allowed.addAll(Permissions.allowed(anonymous, repository));
    username.map(this::permissionsOf).ifPresent(p -> allowed.addAll(p.allowed(repository)));
    return allowed;
  }

  public boolean mayListCatalog(Optional<String> username) {
    return username.map(this::permissionsOf).map(Permissions::catalog).orElse(false);
  }

  public Permissions permissionsOf(String username) {
    return users.getOrDefault(username, Permissions.NONE);
  }
}
