package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class RegistryUserSpec {

  /**
   * What htpasswd and HTTP basic auth can carry: no colon, whitespace or control character anywhere
   * and no leading '#' (a comment line in htpasswd).
   */
  public static final String USERNAME_PATTERN =
      "^[^#:\\s\\x00-\\x1f\\x7f-\\x9f][^:\\s\\x00-\\x1f\\x7f-\\x9f]*$";

  @JsonPropertyDescription(
      "Name of the PrivateRegistry, in the same namespace, this user belongs to.")
  @Required
  @Pattern("^[a-z]([-a-z0-9]*[a-z0-9])?$")
  public String registryRef;

  @JsonPropertyDescription(
      "Login name. No colon, whitespace or control characters, no leading '#', at most 255 bytes."
          + " Defaults to the name of this RegistryUser.")
  @Pattern(USERNAME_PATTERN)
  @Size(min = 1, max = 255)
  public String username;

  @JsonPropertyDescription(
      "Secret holding this user's password (8 to 72 bytes). Omit to have the operator generate one"
          + " into a Secret it owns; a generated password never changes.")
  public SecretKeyRef passwordSecretRef;

  @JsonPropertyDescription(
      "Create a kubernetes.io/dockerconfigjson Secret for this user, usable as imagePullSecret.")
  @Default("true")
  public boolean pullSecret = true;

  @JsonPropertyDescription(
      "What this user may do, per repository. Omit to allow everything (pull, push and delete on"
          + " every repository, and listing the catalog), as before permissions existed.")
  @Size(max = 64)
  public List<RepositoryAccess> access;

  @JsonPropertyDescription(
      "Whether this user may list the registry's repositories (/v2/_catalog). Defaults to true"
          + " without an access list and to false with one.")
  public Boolean catalog;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SecretKeyRef {

    @JsonPropertyDescription("Name of the Secret, in the same namespace.")
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    public String name;

    @JsonPropertyDescription("Key of the password in the Secret.")
    @Pattern("^[-._a-zA-Z0-9]+$")
    @Default("password")
    public String key = "password";
  }
}
