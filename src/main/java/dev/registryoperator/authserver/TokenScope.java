package dev.registryoperator.authserver;

import dev.registryoperator.access.AccessFile;
import dev.registryoperator.access.Action;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One resource a token request asks for ({@code repository:team-a/app:pull,push} or {@code
 * registry:catalog:*}) and what of it is granted. Granting follows Distribution's own token
 * servers: the actions asked for and allowed, nothing else; a scope with nothing allowed stays in
 * the token with no actions, and the registry answers {@code insufficient_scope}.
 */
public record TokenScope(String type, String name, Set<String> actions) {

  public TokenScope {
    actions = Set.copyOf(actions);
  }

  /**
   * Parses scope strings (each may hold several space-separated scopes, as in the OAuth form).
   * Scopes that do not parse, name an invalid repository or an unknown type are dropped; scopes on
   * the same resource are merged.
   */
  public static List<TokenScope> parse(List<String> scopeParameters) {
    Map<String, Set<String>> byResource = new LinkedHashMap<>();
    for (String parameter : scopeParameters) {
      for (String scope : parameter.trim().split("\\s+")) {
        parseOne(scope)
            .ifPresent(
                s ->
                    byResource
                        .computeIfAbsent(s.type() + ":" + s.name(), k -> new LinkedHashSet<>())
                        .addAll(s.actions()));
      }
    }
    List<TokenScope> scopes = new ArrayList<>();
    byResource.forEach(
        (resource, actions) -> {
          int colon = resource.indexOf(':');
          scopes.add(
              new TokenScope(resource.substring(0, colon), resource.substring(colon + 1), actions));
        });
    return scopes;
  }

  private static Optional<TokenScope> parseOne(String scope) {
    int first = scope.indexOf(':');
    int last = scope.lastIndexOf(':');
    if (first < 0 || last == first) {
      return Optional.empty();
    }
    String type = scope.substring(0, first);
    String name = scope.substring(first + 1, last);
    Set<String> actions = new LinkedHashSet<>();
    for (String action : scope.substring(last + 1).split(",")) {
      if (!action.isEmpty()) {
        actions.add(action);
      }
    }
    if (type.equals("repository") && RegistryRequest.isRepositoryName(name)) {
      return Optional.of(new TokenScope(type, name, actions));
    }
    if (type.equals("registry") && name.equals("catalog")) {
      return Optional.of(new TokenScope(type, name, actions));
    }
    return Optional.empty();
  }

  /**
   * What of this scope the client (a user, or anonymous) gets. On a repository, {@code *} asks for
   * every action and is answered with the allowed ones spelled out.
   */
  public TokenScope granted(AccessFile access, Optional<String> user) {
    Set<String> granted = new LinkedHashSet<>();
    if (type.equals("registry")) {
      if (access.mayListCatalog(user) && actions.contains("*")) {
        granted.add("*");
      }
      return new TokenScope(type, name, granted);
    }
    Set<Action> allowed = access.allowed(user, name);
    for (Action action : Action.values()) {
      if (allowed.contains(action) && (actions.contains(action.name()) || actions.contains("*"))) {
        granted.add(action.name());
      }
    }
    return new TokenScope(type, name, granted);
  }

  /** The JWT {@code access} entry; actions in a fixed order so equal grants give equal tokens. */
  public Map<String, Object> claim() {
    List<String> ordered = new ArrayList<>();
    for (Action action : Action.values()) {
      if (actions.contains(action.name())) {
        ordered.add(action.name());
      }
    }
    if (actions.contains("*")) {
      ordered.add("*");
    }
    Map<String, Object> claim = new LinkedHashMap<>();
    claim.put("type", type);
    claim.put("name", name);
    claim.put("actions", ordered);
    return claim;
  }
}
