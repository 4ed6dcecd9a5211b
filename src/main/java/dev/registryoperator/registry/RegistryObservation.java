package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.StorageSpec.AccessMode;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.dependent.RegistryInputs;
import dev.registryoperator.registry.model.GarbageCollectionJob;
import dev.registryoperator.registry.model.GarbageCollectionReport;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
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
 * @param deployment the registry's Deployment as cached, before this reconcile applies anything
 * @param collectionJob the garbage collection Job, with its report once it finished: the report is
 *     read with a LIST of the Job's pods (by label, in the registry's namespace) only then, not
 *     from an informer on every pod of the cluster
 */
record RegistryObservation(
    Secret userTlsSecret,
    Secret tokenTrustSecret,
    Optional<Secret> caSecret,
    Optional<PersistentVolumeClaim> claim,
    PersistentVolumeClaim existingClaim,
    Collection<PrivateRegistry> registries,
    Function<String, Optional<StorageClass>> storageClasses,
    Optional<Deployment> deployment,
    GarbageCollection.JobSeen collectionJob) {

  /** Whether the data claim is ReadWriteOncePod, which no second pod can mount. */
  boolean claimPerPod(PrivateRegistry registry) {
    String perPod = AccessMode.ReadWriteOncePod.name();
    if (registry.getSpec().storage.existingClaim == null) {
      return registry.getSpec().storage.accessModes.contains(AccessMode.ReadWriteOncePod);
    }
    return existingClaim != null
        && existingClaim.getSpec() != null
        && existingClaim.getSpec().getAccessModes() != null
        && existingClaim.getSpec().getAccessModes().contains(perPod);
  }

  private static GarbageCollection.JobSeen collectionJob(
      PrivateRegistry registry, Context<PrivateRegistry> context) {
    RegistryNames names = RegistryNames.of(registry);
    Optional<Job> cached = RegistryInputs.child(context, Job.class, names.garbageCollectionJob());
    if (cached.isEmpty()) {
      return GarbageCollection.JobSeen.ABSENT;
    }
    Job job = cached.get();
    Optional<JobCondition> ended =
        job.getStatus() == null || job.getStatus().getConditions() == null
            ? Optional.empty()
            : job.getStatus().getConditions().stream()
                .filter(c -> "True".equals(c.getStatus()))
                .filter(c -> "Complete".equals(c.getType()) || "Failed".equals(c.getType()))
                .findFirst();
    if (ended.isEmpty()) {
      return GarbageCollection.JobSeen.running();
    }
    if (!GarbageCollection.collecting(registry.getStatus())) {
      // Its report is recorded already; the Job is on its way out.
      return new GarbageCollection.JobSeen(true, true, null, Optional.empty());
    }
    String failure =
        "Failed".equals(ended.get().getType())
            ? Objects.requireNonNullElse(ended.get().getReason(), "Failed")
                + (ended.get().getMessage() == null ? "" : ": " + ended.get().getMessage())
            : null;
    List<Pod> pods =
        context
            .getClient()
            .pods()
            .inNamespace(registry.getMetadata().getNamespace())
            .withLabels(Labels.forGarbageCollectionPod(names.registry()))
            .list()
            .getItems();
    Optional<GarbageCollectionReport> report =
        pods.stream()
            .flatMap(pod -> terminated(pod).stream())
            .max(
                Comparator.comparing(
                    state -> Objects.requireNonNullElse(state.getFinishedAt(), "")))
            .flatMap(state -> GarbageCollectionReport.parse(state.getMessage()));
    return new GarbageCollection.JobSeen(true, true, failure, report);
  }

  private static Optional<ContainerStateTerminated> terminated(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(container -> GarbageCollectionJob.CONTAINER.equals(container.getName()))
        .map(
            container -> container.getState() == null ? null : container.getState().getTerminated())
        .filter(Objects::nonNull)
        .findFirst();
  }

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
                context.getClient().storage().v1().storageClasses().withName(name).get()),
        RegistryInputs.child(context, Deployment.class, names.deployment()),
        collectionJob(registry, context));
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
