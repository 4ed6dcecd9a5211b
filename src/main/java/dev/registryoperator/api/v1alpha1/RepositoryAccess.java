package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.registryoperator.access.Action;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** Actions allowed on the repositories that match any of the patterns. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RepositoryAccess {

  // The same syntax as access.RepositoryPattern.SYNTAX, checked again by the user's validation for
  // servers without CEL (before 1.25).
  @JsonPropertyDescription(
      "Repository names with '*' wildcards; a '*' matches any characters, '/' included: 'team-a/*',"
          + " '*-cache', '*'.")
  @Required
  @Size(min = 1, max = 64)
  @ValidationRule(
      value = "self.all(p, p.matches('^[a-z0-9*]([a-z0-9._/*-]{0,253}[a-z0-9*])?$'))",
      message =
          "each repository pattern is a lowercase repository name, with '*' as wildcard, at most"
              + " 255 characters")
  public List<String> repositories = new ArrayList<>();

  @JsonPropertyDescription("Allowed actions: pull, push, delete.")
  @Required
  @Size(min = 1, max = 3)
  public List<Action> actions = new ArrayList<>();

  public RepositoryAccess() {}

  public RepositoryAccess(List<String> repositories, List<Action> actions) {
    this.repositories = new ArrayList<>(repositories);
    this.actions = new ArrayList<>(actions);
  }
}
