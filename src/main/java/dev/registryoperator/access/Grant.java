package dev.registryoperator.access;

import java.util.List;

/** The actions allowed on every repository that one of the patterns matches. */
public record Grant(List<String> repositories, List<Action> actions) {

  public Grant {
    repositories = List.copyOf(repositories);
    actions = List.copyOf(actions);
  }

  public boolean covers(String repository) {
    return repositories.stream()
        .anyMatch(pattern -> RepositoryPattern.matches(pattern, repository));
  }
}
