package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.registryoperator.access.RepositoryPattern;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

// Also checked by RegistryValidation for servers without CEL (before 1.25).
@ValidationRule(
    value = "!has(self.mode) || self.mode != 'ExternalToken' || has(self.externalToken)",
    message = "spec.auth.mode ExternalToken needs spec.auth.externalToken.",
    fieldPath = ".externalToken")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuthSpec {

  public static final String DEFAULT_REALM = "Registry";
  public static final int DEFAULT_BCRYPT_COST = 10;
  public static final int DEFAULT_TOKEN_LIFETIME_SECONDS = 300;

  @JsonPropertyDescription(
      "How clients authenticate. Basic: HTTP basic auth; the registry's auth server checks the"
          + " password once per user (not per request) and applies the users' access lists."
          + " Token: Docker's token authentication; the auth server issues short-lived signed"
          + " tokens at /token on the registry's own address. ExternalToken: an existing token"
          + " server (spec.auth.externalToken) issues the tokens; its users are managed there and"
          + " RegistryUsers of this registry are not used.")
  @Default("Basic")
  public AuthMode mode = AuthMode.Basic;

  @JsonPropertyDescription("Realm shown to clients in the authentication challenge.")
  @Pattern("^[^\"\\\\\\x00-\\x1f\\x7f-\\x9f]{1,64}$")
  @Default(DEFAULT_REALM)
  public String realm = DEFAULT_REALM;

  @JsonPropertyDescription(
      "bcrypt cost of the password hashes. The proxy verifies a hash on every request: each step"
          + " up doubles the CPU time of every request.")
  @Min(4)
  @Max(14)
  @Default("" + DEFAULT_BCRYPT_COST)
  public int bcryptCost = DEFAULT_BCRYPT_COST;

  @JsonPropertyDescription(
      "Repository patterns anyone may pull from without logging in ('public/*', '*'). Not used"
          + " with ExternalToken, whose server decides.")
  @Size(max = 64)
  public List<@Pattern(RepositoryPattern.SYNTAX) String> anonymousPull;

  @JsonPropertyDescription("Lifetime of the tokens the auth server issues in Token mode.")
  @Min(60)
  @Max(3600)
  @Default("" + DEFAULT_TOKEN_LIFETIME_SECONDS)
  public int tokenLifetimeSeconds = DEFAULT_TOKEN_LIFETIME_SECONDS;

  @JsonPropertyDescription(
      "Image of the auth server container. Defaults to the image the operator itself runs: the"
          + " auth server ships in the operator's jar.")
  public String serverImage;

  @JsonPropertyDescription("The token server used in ExternalToken mode.")
  public ExternalTokenSpec externalToken;

  public enum AuthMode {
    Basic,
    Token,
    ExternalToken
  }
}
