package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.GarbageCollectionRun;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.EventRecorder;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.dependent.AppliedChanges;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** The Events that tell what a reconcile did, derived from what the workflow recorded. */
final class RegistryEvents {

  private final EventRecorder events;

  RegistryEvents(EventRecorder events) {
    this.events = events;
  }

  void record(PrivateRegistry registry, boolean firstReconcile, AppliedChanges changes) {
    RegistryNames names = RegistryNames.of(registry);
    if (firstReconcile) {
      events.normal(
          registry, "Created", "Created the registry's Deployment, Service, Secrets and storage.");
    }
    boolean caRegenerated = changes.caCreated() && !firstReconcile;
    if (caRegenerated) {
      events.warning(
          registry,
          "CARegenerated",
          "The CA Secret '"
              + names.caSecret()
              + "' was deleted, so a new CA was generated. Clients must trust the new CA from"
              + " ConfigMap '"
              + names.caBundleConfigMap()
              + "'.");
    }
    switch (changes.certificateChange()) {
      case ISSUED ->
          events.normal(
              registry,
              "CertificateIssued",
              "Issued the serving certificate from the registry's CA.");
      case REISSUED ->
          events.normal(
              registry,
              "CertificateRenewed",
              caRegenerated
                  ? "Issued a serving certificate from the new CA; the pod restarts to load it."
                  : "Renewed the serving certificate ("
                      + changes.reissueReason().orElseThrow()
                      + "); the CA is unchanged and the pod restarts to load it.");
      case KEPT, NONE -> {}
    }
    changes
        .externalCertificateLoaded()
        .ifPresent(
            secret ->
                events.normal(
                    registry,
                    "ServedCertificateChanged",
                    (registry.getSpec().tls.issuerRef != null
                            ? "Serving the certificate cert-manager issued into Secret '"
                                + secret
                                + "'"
                            : "The certificate in Secret '" + secret + "' changed")
                        + "; the pod restarts to load it."));
    authModeChange(registry)
        .ifPresent(
            previous ->
                events.normal(
                    registry,
                    "AuthModeChanged",
                    "Authentication changed from "
                        + previous
                        + " to "
                        + registry.getSpec().auth.mode
                        + "; the pod restarts to apply it. Images and users are kept."));
  }

  /** One Event per garbage collection, when the registry is read-write again. */
  void garbageCollected(PrivateRegistry registry, GarbageCollectionRun run) {
    String window =
        run.started == null || run.finished == null
            ? ""
            : " The registry was read-only for "
                + Duration.between(Instant.parse(run.started), Instant.parse(run.finished))
                    .toSeconds()
                + " s.";
    if (GarbageCollectionRun.SUCCEEDED.equals(run.outcome)) {
      events.normal(registry, GARBAGE_COLLECTED, run.message + window);
    } else {
      events.warning(registry, GARBAGE_COLLECTION_FAILED, run.message + window);
    }
  }

  /** One Warning per measure that reaches spec.storage.usageWarningPercent. */
  void storageNearlyFull(PrivateRegistry registry, StorageUsage usage) {
    events.warning(
        registry,
        StorageUsage.NEARLY_FULL,
        "The registry's data uses "
            + usage.percent()
            + " % of its claim ("
            + usage.bytes()
            + " bytes after garbage collection; the warning starts at "
            + registry.getSpec().storage.usageWarningPercent
            + " %). Grow spec.storage.size, if the storage class allows expansion, or delete"
            + " images and collect again.");
  }

  static final String GARBAGE_COLLECTED = "GarbageCollected";
  static final String GARBAGE_COLLECTION_FAILED = "GarbageCollectionFailed";

  /**
   * The mode the registry reported before, when the spec now asks for another. Status is the record
   * of what was in effect; this only words an Event, it routes nothing.
   */
  static Optional<String> authModeChange(PrivateRegistry registry) {
    String reported = registry.getStatus() == null ? null : registry.getStatus().authMode;
    String wanted = registry.getSpec().auth.mode.name();
    return reported == null || reported.equals(wanted) ? Optional.empty() : Optional.of(reported);
  }
}
