package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.TlsMaterial;
import dev.registryoperator.tls.CertificateAuthority;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** The registry's own CA. Kept even while a user-supplied certificate is served. */
public class CaSecretDependent extends CreateOnceSecretDependent {

  @Override
  String childName(RegistryNames names) {
    return names.caSecret();
  }

  @Override
  protected Secret desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    String commonName =
        "registry-operator CA for "
            + registry.getMetadata().getNamespace()
            + "/"
            + registry.getMetadata().getName();
    return TlsMaterial.caSecret(
        registry, CertificateAuthority.generate(commonName, RegistryInputs.of(context).clock()));
  }

  @Override
  public Secret create(Secret desired, PrivateRegistry registry, Context<PrivateRegistry> context) {
    Secret created = super.create(desired, registry, context);
    RegistryInputs.of(context).changes().recordCaCreated();
    return created;
  }
}
