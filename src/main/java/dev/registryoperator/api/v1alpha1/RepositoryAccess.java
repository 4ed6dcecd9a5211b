package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.registryoperator.access.Action;
import dev.registryoperator.access.RepositoryPattern;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** Actions allowed on the repositories that match any of the patterns. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RepositoryAccess {

  // A schema pattern on the items (not a CEL rule: on unbounded strings a current server estimates
  // its cost over budget and refuses the whole CRD). UserPermissions checks it again.
  @JsonPropertyDescription(
      "Repository names with '*' wildcards; a '*' matches any characters, '/' included: 'team-a/*',"
          + " '*-cache', '*'.")
  @Required
  @Size(min = 1, max = 64)
  public List<@Pattern(RepositoryPattern.SYNTAX) String> repositories = new ArrayList<>();

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
