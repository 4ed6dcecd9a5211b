package dev.registryoperator.user.model;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.OwnedMetadata;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.UserSecretNames;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Map;

/** The Secret holding a password the operator generated for a user that references none. */
public final class GeneratedPassword {

  private GeneratedPassword() {}

  public static Secret render(RegistryUser user, String password) {
    return new SecretBuilder()
        .withMetadata(
            OwnedMetadata.owned(
                user,
                user.getSpec().registryRef,
                UserSecretNames.of(user).credentialsSecret(),
                Components.USER_CREDENTIALS))
        .withType(Keys.OPAQUE_TYPE)
        .withData(SecretData.encode(Map.of(Keys.PASSWORD, password)))
        .build();
  }
}
