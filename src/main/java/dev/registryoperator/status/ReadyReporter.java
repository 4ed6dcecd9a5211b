package dev.registryoperator.status;

import dev.registryoperator.api.v1alpha1.ConditionedStatus;
import dev.registryoperator.kube.EventRecorder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports a resource's Ready condition the same way for every kind: a problem with the input or a
 * failed reconcile becomes Ready=False with a CamelCase reason and a readable message, and one
 * Warning Event - not one per retry.
 */
public final class ReadyReporter<P extends CustomResource<?, S>, S extends ConditionedStatus> {

  public static final String RECONCILE_FAILED = "ReconcileFailed";

  private static final Logger log = LoggerFactory.getLogger(ReadyReporter.class);

  private final Class<S> statusType;
  private final Supplier<S> emptyStatus;
  private final Supplier<P> blankResource;
  private final EventRecorder events;
  private final Clock clock;

  public ReadyReporter(
      Class<S> statusType,
      Supplier<S> emptyStatus,
      Supplier<P> blankResource,
      EventRecorder events,
      Clock clock) {
    this.statusType = statusType;
    this.emptyStatus = emptyStatus;
    this.blankResource = blankResource;
    this.events = events;
    this.clock = clock;
  }

  /** A copy of the resource's status to edit: the cached object is shared and stays untouched. */
  public S editableStatus(P resource) {
    return StatusPatches.copy(resource.getStatus(), statusType, emptyStatus);
  }

  /**
   * Writes the status if it differs from the resource's current one, and puts the written resource
   * in the controller's cache: JOSDK 5.2 drops what an {@link UpdateControl} status patch returns,
   * so a reconcile that follows closely would see the old status, stamp a new transition time and
   * write the same status again.
   */
  public UpdateControl<P> patchIfChanged(P resource, S status, Context<P> context) {
    if (!StatusPatches.changed(resource.getStatus(), status)) {
      return UpdateControl.noUpdate();
    }
    if (context
        .getControllerConfiguration()
        .getConfigurationService()
        .useSSAToPatchPrimaryResource()) {
      PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(
          resource, StatusPatches.freshWithStatus(resource, status, blankResource), context);
    } else {
      PrimaryUpdateAndCacheUtils.patchStatusAndCacheResource(
          resource,
          context,
          current -> {
            current.setStatus(status);
            return current;
          });
    }
    return UpdateControl.noUpdate();
  }

  /** Sets the Ready condition of the given status for the resource's current generation. */
  public void setReady(P resource, S status, boolean ready, String reason, String message) {
    status.conditions(
        Conditions.with(
            status.conditions(),
            Conditions.READY,
            ready,
            reason,
            message,
            resource.getMetadata().getGeneration(),
            clock.instant()));
  }

  /** A Warning Event for the problem, unless this generation already reported the same reason. */
  public void warnOnce(P resource, Problem problem) {
    S status = resource.getStatus();
    boolean alreadyReported =
        status != null
            && Conditions.same(status.conditions(), Conditions.READY, false, problem.reason())
            && Objects.equals(status.observedGeneration(), resource.getMetadata().getGeneration());
    if (!alreadyReported) {
      events.warning(resource, problem.reason(), problem.message());
    }
  }

  /**
   * The status of a problem found while applying that a retry would only meet again: written as
   * {@link #patchIfChanged} writes it, and not retried. Not through ErrorStatusUpdateControl: JOSDK
   * 5 does not cache what that writes, so a reconcile woken meanwhile (by a child's event) saw the
   * status before it and reported the problem again: a second Warning Event (BadInputIT, once on
   * 1.36).
   */
  public ErrorStatusUpdateControl<P> reportedWithoutRetry(
      P resource, S status, Context<P> context) {
    patchIfChanged(resource, status, context);
    return ErrorStatusUpdateControl.<P>noStatusUpdate().withNoRetry();
  }

  /**
   * A failed reconcile: reported, and retried with back-off (cluster errors are usually brief). The
   * status is written as {@link #patchIfChanged} writes it, for the reason {@link
   * #reportedWithoutRetry} gives; if the API server refuses that write too, the retry reports
   * again.
   */
  public ErrorStatusUpdateControl<P> failed(P resource, Exception error, Context<P> context) {
    S status = failedStatus(resource, error);
    try {
      patchIfChanged(resource, status, context);
    } catch (KubernetesClientException | OperatorException statusRefused) {
      log.warn(
          "Writing the status of {} {}/{} failed too: {}",
          resource.getKind(),
          resource.getMetadata().getNamespace(),
          resource.getMetadata().getName(),
          SafeErrors.describe(statusRefused));
    }
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  /** The status a failed reconcile leaves, with its Warning unless that failure was reported. */
  S failedStatus(P resource, Exception error) {
    String message = "Reconcile failed, retrying: " + SafeErrors.describe(error);
    log.warn(
        "Reconciling {} {}/{} failed: {}",
        resource.getKind(),
        resource.getMetadata().getNamespace(),
        resource.getMetadata().getName(),
        message);
    S current = resource.getStatus();
    if (current == null
        || !Conditions.same(current.conditions(), Conditions.READY, false, RECONCILE_FAILED)) {
      events.warning(resource, RECONCILE_FAILED, message);
    }
    S status = editableStatus(resource);
    setReady(resource, status, false, RECONCILE_FAILED, message);
    return status;
  }
}
