package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.AuthSecrets;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** htpasswd and the access rules the auth server applies; the reconciler assembles them. */
public class HtpasswdSecretDependent extends RegistryChildDependent<Secret> {

  public HtpasswdSecretDependent() {
    super(Secret.class);
  }

  @Override
  String childName(RegistryNames names) {
    return names.htpasswdSecret();
  }

  @Override
  protected Secret desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    return AuthSecrets.htpasswd(registry, RegistryInputs.of(context).authFiles());
  }
}
