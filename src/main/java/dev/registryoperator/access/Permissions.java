package dev.registryoperator.access;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** What one user may do: grants on repositories, and whether it may list the catalog. */
public record Permissions(List<Grant> grants, boolean catalog) {

  /**
   * A user without an access list keeps everything basic auth gave before permissions existed:
   * every action on every repository, and the catalog.
   */
  public static final Permissions UNRESTRICTED =
      new Permissions(List.of(new Grant(List.of("*"), List.of(Action.values()))), true);

  public static final Permissions NONE = new Permissions(List.of(), false);

  public Permissions {
    grants = List.copyOf(grants);
  }

  public String render() {
    return AccessJson.write(this);
  }

  public static Permissions parse(String json) {
    return AccessJson.read(json, Permissions.class);
  }

  /** For people: "pull,push on team-a/*; pull on shared; catalog". */
  public String summary() {
    if (grants.isEmpty() && !catalog) {
      return "nothing";
    }
    List<String> parts = new ArrayList<>();
    for (Grant grant : grants) {
      parts.add(
          grant.actions().stream().map(Action::name).collect(Collectors.joining(","))
              + " on "
              + String.join(", ", grant.repositories()));
    }
    if (catalog) {
      parts.add("catalog");
    }
    return String.join("; ", parts);
  }

  public Set<Action> allowed(String repository) {
    return allowed(grants, repository);
  }

  static Set<Action> allowed(Collection<Grant> grants, String repository) {
    Set<Action> allowed = EnumSet.noneOf(Action.class);
    grants.stream()
        .filter(grant -> grant.covers(repository))
        .forEach(g -> allowed.addAll(g.actions()));
    return allowed;
  }
}
