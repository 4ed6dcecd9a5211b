package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.dependent.RegistryInputs;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.Collection;
import java.util.List;
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
 * @param existingClaim the claim spec.storage.existingClaim names, or null (none named, or none
 *     found); read with a GET, since claims the operator did not make are not watched
 * @param registries the PrivateRegistries of the namespace, from the operator's cache
 */
record RegistryObservation(
    Secret userTlsSecret,
    Secret tokenTrustSecret,
    Optional<Secret> caSecret,
    Optional<PersistentVolumeClaim> claim,
    PersistentVolumeClaim existingClaim,
    Collection<PrivateRegistry> registries,
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
    String namespace = registry.getMetadata().getNamespace();
    String existingClaimName = registry.getSpec().storage.existingClaim;
    PersistentVolumeClaim existingClaim =
        existingClaimName == null
            ? null
            : context
                .getClient()
                .persistentVolumeClaims()
                .inNamespace(namespace)
                .withName(existingClaimName)
                .get();
    List<PrivateRegistry> registries =
        existingClaimName == null
            ? List.of()
            : context
                .getPrimaryCache()
                .list(other -> namespace.equals(other.getMetadata().getNamespace()))
                .toList();
    return new RegistryObservation(
        userTlsSecret,
        tokenTrustSecret,
        RegistryInputs.child(context, Secret.class, names.caSecret()),
        RegistryInputs.child(context, PersistentVolumeClaim.class, names.claim()),
        existingClaim,
        registries,
        name ->
            Optional.ofNullable(
                context.getClient().storage().v1().storageClasses().withName(name).get()));
  }

  /**
   * The claim the registry's pod mounts: the adopted one (spec.storage.existingClaim) as the GET
   * found it, otherwise the operator's own as the caller has it now - after this reconcile applied
   * it, not as it was observed before (a growth would show one reconcile late).
   */
  Optional<PersistentVolumeClaim> dataClaim(Optional<PersistentVolumeClaim> ownClaimNow) {
    return existingClaim != null ? Optional.of(existingClaim) : ownClaimNow;
  }
}
