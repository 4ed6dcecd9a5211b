package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.StorageSpec.AccessMode;
import dev.registryoperator.kube.CrdInstalled;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.dependent.RegistryInputs;
import dev.registryoperator.registry.model.GarbageCollectionJob;
import dev.registryoperator.registry.model.GarbageCollectionReport;
import dev.registryoperator.status.Problem;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Instant;
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
 *     read with a GET when needed; its changes wake the registry (RegistryEventSources), but the
 *     operator keeps no copy of a Secret it did not make
 * @param certManagerInstalled with spec.tls.issuerRef, whether cert-manager's Certificate CRD is
 *     installed (asked at most once a minute); true without issuerRef, where it does not matter
 * @param issuedTlsSecret with spec.tls.issuerRef, the Secret cert-manager writes, or null while it
 *     does not exist; read with a GET and watched like the user's TLS Secret
 * @param certificate with spec.tls.issuerRef, the registry's Certificate as cert-manager last
 *     reported it, from the cache
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
    boolean certManagerInstalled,
    Secret issuedTlsSecret,
    Optional<Certificate> certificate,
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
    String namespace = registry.getMetadata().getNamespace();
    Secret userTlsSecret =
        read(context, Secret.class, namespace, registry.getSpec().tls.secretName);
    boolean issuerRequested = registry.getSpec().tls.issuerRef != null;
    boolean certManagerInstalled =
        !issuerRequested || CrdInstalled.installed(context, IssuedTlsSecrets.CERTIFICATE_CRD);
    Secret issuedTlsSecret =
        read(
            context,
            Secret.class,
            namespace,
            issuerRequested && certManagerInstalled ? names.issuedTlsSecret() : null);
    Secret tokenTrustSecret =
        read(
            context,
            Secret.class,
            namespace,
            ExternalTokenTrust.secretName(registry.getSpec()).orElse(null));
    String existingClaimName = registry.getSpec().storage.existingClaim;
    PersistentVolumeClaim existingClaim =
        read(context, PersistentVolumeClaim.class, namespace, existingClaimName);
    List<PrivateRegistry> registries =
        existingClaimName == null
            ? List.of()
            : context
                .getPrimaryCache()
                .list(other -> namespace.equals(other.getMetadata().getNamespace()))
                .toList();
    return new RegistryObservation(
        userTlsSecret,
        certManagerInstalled,
        issuedTlsSecret,
        // Empty until the Certificate's informer is registered (the CRD exists and a registry
        // asked).
        RegistryInputs.child(context, Certificate.class, names.certificate()),
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
   * An object of the registry's namespace that the operator does not cache, read with a GET; null
   * when no name is given or nothing has it.
   */
  private static <T extends HasMetadata> T read(
      Context<PrivateRegistry> context, Class<T> type, String namespace, String name) {
    return name == null
        ? null
        : context.getClient().resources(type).inNamespace(namespace).withName(name).get();
  }

  /**
   * The claim the registry's pod mounts: the adopted one (spec.storage.existingClaim) as the GET
   * found it, otherwise the operator's own as the caller has it now - after this reconcile applied
   * it, not as it was observed before (a growth would show one reconcile late).
   */
  Optional<PersistentVolumeClaim> dataClaim(Optional<PersistentVolumeClaim> ownClaimNow) {
    return existingClaim != null ? Optional.of(existingClaim) : ownClaimNow;
  }

  /**
   * The Secret the proxy serves instead of the operator's own certificate: the user's, or the one
   * cert-manager wrote once it can be served; null while the operator's own is served. Validation
   * has passed, so a user's Secret named in the spec exists and is usable.
   */
  Secret externalTlsSecret(PrivateRegistry registry, Instant now) {
    if (userTlsSecret != null) {
      return userTlsSecret;
    }
    return certificatePending(registry, now).isEmpty() ? issuedTlsSecret : null;
  }

  /** With spec.tls.issuerRef, why the issued Secret cannot be served yet; empty otherwise. */
  Optional<Problem> certificatePending(PrivateRegistry registry, Instant now) {
    if (registry.getSpec().tls.issuerRef == null) {
      return Optional.empty();
    }
    RegistryNames names = RegistryNames.of(registry);
    return IssuedTlsSecrets.pending(
        names.certificate(),
        names.issuedTlsSecret(),
        issuedTlsSecret,
        certificate.orElse(null),
        now);
  }
}
