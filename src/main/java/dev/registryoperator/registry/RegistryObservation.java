package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.dependent.RegistryInputs;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a registry's reconcile reads, beyond its spec, before it decides anything: validation and
 * the dependents work from this.
 *
 * @param userTlsSecret the Secret spec.tls.secretName names, or null (none named, or none found);
 *     read with a GET, not watched - the operator caches only its own Secrets, and the periodic
 *     reconcile notices a rotation
 * @param caSecret the registry's CA Secret, once created
 * @param claim the data claim the operator manages, once created
 * @param storageClasses reads a StorageClass with a GET: asked only when a claim is to grow, since
 *     StorageClasses are not watched
 * @param tokenTrustSecret in ExternalToken mode, the Secret with the token server's certificates,
 *     or null; read with a GET like the user's TLS Secret
 */
record RegistryObservation(
    Secret userTlsSecret,
    Secret tokenTrustSecret,
    Optional<Secret> caSecret,
    Optional<PersistentVolumeClaim> claim,
    Function<String, Optional<StorageClass>> storageClasses) {

  static RegistryObservation of(PrivateRegistry registry, Context<PrivateRegistry> context) {
    RegistryNames names = RegistryNames.of(registry);
    String userTlsSecretName = registry.getSpec().tls.secretName;
    Secret userTlsSecret =
        userTlsSecretName == null
            ? null
            : context
                .getClient()
                .secrets()
                .inNamespace(registry.getMetadata().getNamespace())
                .withName(userTlsSecretName)
                .get();
    Secret tokenTrustSecret =
        ExternalTokenTrust.secretName(registry.getSpec())
            .map(
                name ->
                    context
                        .getClient()
                        .secrets()
                        .inNamespace(registry.getMetadata().getNamespace())
                        .withName(name)
                        .get())
            .orElse(null);
    return new RegistryObservation(
        userTlsSecret,
        tokenTrustSecret,
        RegistryInputs.child(context, Secret.class, names.caSecret()),
        RegistryInputs.child(context, PersistentVolumeClaim.class, names.claim()),
        name ->
            Optional.ofNullable(
                context.getClient().storage().v1().storageClasses().withName(name).get()));
  }
}
