package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.TlsMaterial;
import dev.registryoperator.tls.CertificateAuthority;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher.Result;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import java.util.Objects;

/**
 * The registry's own CA. Kept even while a user-supplied certificate is served, and kept when the
 * registry is deleted unless deleteClaim is set, like the claim: a registry created again under the
 * same name serves its images with the CA its clients already trust. Neither garbage-collected nor
 * a Deleter; ownership comes from the rendering. The only update ever made is to its owner
 * references, when deleteClaim changes; its key and certificate are never rewritten.
 */
public class CaSecretDependent extends CreateOnceSecretDependent
    implements Updater<Secret, PrivateRegistry> {

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

  /**
   * Compares owner references only, against the existing Secret owned as deleteClaim says: matching
   * must never generate a CA (desired() does).
   */
  @Override
  public Result<Secret> match(
      Secret actual, PrivateRegistry registry, Context<PrivateRegistry> context) {
    Secret wanted = TlsMaterial.caSecretOwnedAsSpecified(registry, actual);
    boolean matches =
        Objects.equals(
            actual.getMetadata().getOwnerReferences(), wanted.getMetadata().getOwnerReferences());
    return Result.computed(matches, wanted);
  }

  /** Writes the owner references (a PUT with the cached resourceVersion), nothing else. */
  @Override
  public Secret update(
      Secret actual, Secret desired, PrivateRegistry registry, Context<PrivateRegistry> context) {
    return context.getClient().resource(desired).update();
  }

  /** No framework owner reference or annotations: the rendering decides ownership. */
  @Override
  protected void addReferenceHandlingMetadata(Secret desired, PrivateRegistry primary) {}
}
