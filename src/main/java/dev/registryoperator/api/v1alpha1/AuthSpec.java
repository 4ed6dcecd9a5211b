package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuthSpec {

  public static final String DEFAULT_REALM = "Registry";
  public static final int DEFAULT_BCRYPT_COST = 10;

  @JsonPropertyDescription(
      "How clients authenticate. Basic: HTTP basic auth against the htpasswd file built from the"
          + " registry's RegistryUsers.")
  @Default("Basic")
  public AuthMode mode = AuthMode.Basic;

  @JsonPropertyDescription("Realm shown to clients in the authentication challenge.")
  @Pattern("^[^\"\\\\\\x00-\\x1f\\x7f]{1,64}$")
  @Default(DEFAULT_REALM)
  public String realm = DEFAULT_REALM;

  @JsonPropertyDescription(
      "bcrypt cost of the password hashes. The proxy verifies a hash on every request: each step"
          + " up doubles the CPU time of every request.")
  @Min(4)
  @Max(14)
  @Default("" + DEFAULT_BCRYPT_COST)
  public int bcryptCost = DEFAULT_BCRYPT_COST;

  public enum AuthMode {
    Basic
  }
}
