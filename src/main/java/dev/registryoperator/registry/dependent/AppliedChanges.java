package dev.registryoperator.registry.dependent;

import java.util.Optional;

/**
 * What the workflow actually did to the registry's generated material, recorded by the dependents
 * as they create or update it. The reconciler tells the story in Events from this record rather
 * than by comparing snapshots taken before and after, or by deciding anything a second time.
 */
public final class AppliedChanges {

  /** What a change to the serving certificate Secret did to the certificate itself. */
  public enum CertificateChange {
    NONE,
    ISSUED,
    REISSUED,
    /** The Secret was rewritten, but the certificate kept (e.g. its CA copy was repaired). */
    KEPT
  }

  private boolean caCreated;
  private Optional<String> reissueReason = Optional.empty();
  private CertificateChange certificateChange = CertificateChange.NONE;
  private Optional<String> externalCertificateLoaded = Optional.empty();

  void recordCaCreated() {
    caCreated = true;
  }

  void servingCertificateDecided(Optional<String> reason) {
    reissueReason = reason;
  }

  void servingCertificateWritten(boolean created) {
    certificateChange =
        created
            ? CertificateChange.ISSUED
            : reissueReason.isPresent() ? CertificateChange.REISSUED : CertificateChange.KEPT;
  }

  /**
   * Recorded by DeploymentDependent; public so that the Events can be tested without a workflow.
   */
  public void recordExternalCertificateLoaded(String secretName) {
    externalCertificateLoaded = Optional.of(secretName);
  }

  /**
   * The Secret of someone else (the user's, cert-manager's) whose new certificate the pod was
   * rolled for in this reconcile, if it was.
   */
  public Optional<String> externalCertificateLoaded() {
    return externalCertificateLoaded;
  }

  /** The CA Secret was created in this reconcile. */
  public boolean caCreated() {
    return caCreated;
  }

  public CertificateChange certificateChange() {
    return certificateChange;
  }

  /** Why the certificate was (re)issued, when it was. */
  public Optional<String> reissueReason() {
    return certificateChange == CertificateChange.ISSUED
            || certificateChange == CertificateChange.REISSUED
        ? reissueReason
        : Optional.empty();
  }
}
