package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.NodeAccessStatus;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistryStatus;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.CrdInstalled;
import dev.registryoperator.kube.EventRecorder;
import dev.registryoperator.metrics.CertificateExpiryGauge;
import dev.registryoperator.metrics.ReadyGauges;
import dev.registryoperator.registry.dependent.CaBundleDependent;
import dev.registryoperator.registry.dependent.CaSecretDependent;
import dev.registryoperator.registry.dependent.CertificateDependent;
import dev.registryoperator.registry.dependent.ClaimDependent;
import dev.registryoperator.registry.dependent.ClaimUpdateRefused;
import dev.registryoperator.registry.dependent.ConfigMapDependent;
import dev.registryoperator.registry.dependent.DeploymentDependent;
import dev.registryoperator.registry.dependent.GarbageCollectionJobDependent;
import dev.registryoperator.registry.dependent.HtpasswdSecretDependent;
import dev.registryoperator.registry.dependent.HttpSecretDependent;
import dev.registryoperator.registry.dependent.IngressDependent;
import dev.registryoperator.registry.dependent.MetricsServiceDependent;
import dev.registryoperator.registry.dependent.NetworkPolicyDependent;
import dev.registryoperator.registry.dependent.RegistryInputs;
import dev.registryoperator.registry.dependent.ServiceDependent;
import dev.registryoperator.registry.dependent.ServiceMonitorDependent;
import dev.registryoperator.registry.dependent.ServingSecretDependent;
import dev.registryoperator.registry.dependent.TokenSigningSecretDependent;
import dev.registryoperator.registry.model.AuthFiles;
import dev.registryoperator.registry.model.RegistryDeployment;
import dev.registryoperator.roster.Htpasswd;
import dev.registryoperator.roster.Roster;
import dev.registryoperator.status.Problem;
import dev.registryoperator.status.ReadyReporter;
import dev.registryoperator.status.RefusedChildren;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Reconciles a PrivateRegistry as a pipeline: observe, validate, apply the children (the workflow
 * below), record Events and status. Invalid input stops before anything is applied, so a bad edit
 * never disturbs a running registry.
 */
@ControllerConfiguration(
    name = PrivateRegistryReconciler.NAME,
    // A garbage collection request is an annotation, which no generation counts.
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = SpecOrCollectionRequestChanged.class),
    // The operator's own serving certificate is renewed days ahead: a pass every 10 minutes is
    // plenty. TLS Secrets of others (the user's, cert-manager's) are watched, not polled.
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(
          name = "ca-secret",
          type = CaSecretDependent.class,
          useEventSourceWithName = RegistryEventSources.SECRETS),
      @Dependent(
          name = "http-secret",
          type = HttpSecretDependent.class,
          useEventSourceWithName = RegistryEventSources.SECRETS),
      @Dependent(
          name = "htpasswd-secret",
          type = HtpasswdSecretDependent.class,
          useEventSourceWithName = RegistryEventSources.SECRETS),
      @Dependent(
          name = "serving-secret",
          type = ServingSecretDependent.class,
          dependsOn = "ca-secret",
          useEventSourceWithName = RegistryEventSources.SECRETS),
      @Dependent(
          name = "token-signing-secret",
          type = TokenSigningSecretDependent.class,
          dependsOn = "ca-secret",
          reconcilePrecondition = TokenSigningSecretDependent.TokenMode.class,
          useEventSourceWithName = RegistryEventSources.SECRETS),
      @Dependent(
          name = "ca-bundle",
          type = CaBundleDependent.class,
          dependsOn = "ca-secret",
          reconcilePrecondition = CaBundleDependent.CaKnown.class,
          useEventSourceWithName = RegistryEventSources.CONFIG_MAPS),
      @Dependent(
          name = "config",
          type = ConfigMapDependent.class,
          useEventSourceWithName = RegistryEventSources.CONFIG_MAPS),
      @Dependent(
          name = "claim",
          type = ClaimDependent.class,
          reconcilePrecondition = ClaimDependent.ClaimManaged.class),
      @Dependent(
          name = "deployment",
          type = DeploymentDependent.class,
          dependsOn = {"serving-secret", "http-secret", "htpasswd-secret", "config"}),
      @Dependent(
          name = "garbage-collection-job",
          type = GarbageCollectionJobDependent.class,
          dependsOn = {"deployment", "config"},
          reconcilePrecondition = GarbageCollectionJobDependent.CollectionWanted.class),
      @Dependent(name = "service", type = ServiceDependent.class),
      @Dependent(
          name = "metrics-service",
          type = MetricsServiceDependent.class,
          useEventSourceWithName = "service"),
      @Dependent(
          name = "service-monitor",
          type = ServiceMonitorDependent.class,
          activationCondition = CrdInstalled.class),
      @Dependent(
          name = "certificate",
          type = CertificateDependent.class,
          activationCondition = CrdInstalled.class,
          reconcilePrecondition = CertificateDependent.IssuerRequested.class),
      @Dependent(
          name = "ingress",
          type = IngressDependent.class,
          reconcilePrecondition = IngressDependent.IngressRequested.class),
      @Dependent(
          name = "network-policy",
          type = NetworkPolicyDependent.class,
          reconcilePrecondition = NetworkPolicyDependent.NetworkPolicyRequested.class),
    })
public class PrivateRegistryReconciler implements Reconciler<PrivateRegistry> {

  public static final String NAME = "privateregistry";

  /** How soon a problem with an input that is not watched is looked at again. */
  private static final Duration INPUT_RECHECK = Duration.ofMinutes(1);

  private final Clock clock;
  private final String operatorImage;
  private final String nodeAgentNamespace;
  private final MeterRegistry meters;
  private CertificateExpiryGauge certificateExpiry;
  private final RegistryEvents events;
  private final ReadyReporter<PrivateRegistry, PrivateRegistryStatus> ready;

  /**
   * @param nodeAgentNamespace where the node agents report, with --node-agent; null without
   */
  public PrivateRegistryReconciler(
      Clock clock,
      EventRecorder events,
      MeterRegistry meters,
      String operatorImage,
      String nodeAgentNamespace) {
    this.clock = clock;
    this.operatorImage = operatorImage;
    this.nodeAgentNamespace = nodeAgentNamespace;
    this.meters = meters;
    this.events = new RegistryEvents(events);
    this.ready =
        new ReadyReporter<>(
            PrivateRegistryStatus.class,
            PrivateRegistryStatus::new,
            PrivateRegistry::new,
            events,
            clock);
  }

  @Override
  public List<EventSource<?, PrivateRegistry>> prepareEventSources(
      EventSourceContext<PrivateRegistry> context) {
    ReadyGauges.register(meters, "PrivateRegistry", context.getPrimaryCache());
    certificateExpiry = new CertificateExpiryGauge(meters, context.getPrimaryCache());
    return RegistryEventSources.create(context, nodeAgentNamespace);
  }

  @Override
  public UpdateControl<PrivateRegistry> reconcile(
      PrivateRegistry registry, Context<PrivateRegistry> context) {
    Optional<Problem> invalid = RegistryValidation.validate(registry);
    if (invalid.isPresent()) {
      return notReady(registry, invalid.get(), null, context);
    }
    RegistryObservation seen = RegistryObservation.of(registry, context);
    // One instant for every decision of this reconcile: whether a certificate has expired must not
    // change between choosing the served Secret and reporting on it.
    Instant now = clock.instant();
    Optional<Problem> inputProblem = RegistryValidation.validate(registry, seen, now);
    if (inputProblem.isPresent()) {
      // Some inputs are not watched (StorageClasses): look again in a while.
      return notReady(registry, inputProblem.get(), INPUT_RECHECK, context);
    }

    GarbageCollection.Step collection =
        GarbageCollection.next(
            registry,
            new GarbageCollection.Observed(
                now,
                seen.deployment().flatMap(d -> RegistryDeployment.servingMode(registry, d)),
                seen.collectionJob(),
                seen.claimPerPod(registry)));

    List<Htpasswd.Entry> roster = roster(registry, context);
    RegistryInputs inputs =
        new RegistryInputs(
            registry,
            context,
            clock,
            seen.externalTlsSecret(registry, now),
            AuthFiles.of(registry.getSpec(), roster),
            operatorImage,
            collection.mode(),
            collection.jobWanted());
    inputs.attachTo(context);
    context
        .managedWorkflowAndDependentResourceContext()
        .reconcileManagedWorkflow()
        .throwAggregateExceptionIfErrorsPresent();

    boolean firstReconcile =
        registry.getStatus() == null || registry.getStatus().observedGeneration == null;
    events.record(registry, firstReconcile, inputs.changes());
    collection.finished().ifPresent(run -> events.garbageCollected(registry, run));
    Optional<NodeAccessStatus> nodeAccess =
        nodeAgentNamespace == null
            ? Optional.empty()
            : NodeAccess.of(
                registry,
                inputs.service(),
                inputs.caBundle(),
                RegistryEventSources.nodeReports(context, nodeAgentNamespace));
    PrivateRegistryStatus status =
        RegistryStatus.of(
            registry,
            RegistryStatus.Observed.from(
                inputs,
                seen.dataClaim(inputs.claim()),
                seen.certificatePending(registry, now),
                roster.size(),
                nodeAccess),
            clock);
    status.garbageCollection = collection.statusOrNull();
    Optional<StorageUsage> usage = StorageUsage.report(status.storage, status.garbageCollection);
    if (collection.finished().isPresent()) {
      // The run that just ended is the one reported: one Warning per run, not per reconcile.
      usage
          .filter(measured -> measured.reaches(registry.getSpec().storage.usageWarningPercent))
          .ifPresent(measured -> events.storageNearlyFull(registry, measured));
    }
    certificateExpiry.refresh();
    UpdateControl<PrivateRegistry> control = ready.patchIfChanged(registry, status, context);
    return collection.recheck().map(control::rescheduleAfter).orElse(control);
  }

  @Override
  public ErrorStatusUpdateControl<PrivateRegistry> updateErrorStatus(
      PrivateRegistry registry, Context<PrivateRegistry> context, Exception error) {
    Optional<ClaimUpdateRefused> refusedClaim = ClaimUpdateRefused.soleFailureIn(error);
    if (refusedClaim.isPresent()) {
      // A change the API server cannot make: the user's to resolve, so no retry.
      Problem problem =
          ClaimChanges.refusedByServer(
              refusedClaim.get().claim(), refusedClaim.get().serverMessage());
      return reportedWithoutRetry(registry, problem, context);
    }
    Optional<Problem> refused = RefusedChildren.problem(error, "PrivateRegistry");
    if (refused.isPresent()) {
      // The server will refuse the same object again: the spec must change first.
      return reportedWithoutRetry(registry, refused.get(), context);
    }
    return ready.failed(registry, error, context);
  }

  /**
   * A refusal found while applying: one Warning, the status written once. A later reconcile (an
   * event of a child) meets the same refusal and then writes nothing.
   */
  private ErrorStatusUpdateControl<PrivateRegistry> reportedWithoutRetry(
      PrivateRegistry registry, Problem problem, Context<PrivateRegistry> context) {
    ready.warnOnce(registry, problem);
    return ready.reportedWithoutRetry(registry, notReadyStatus(registry, problem), context);
  }

  private UpdateControl<PrivateRegistry> notReady(
      PrivateRegistry registry,
      Problem problem,
      Duration recheck,
      Context<PrivateRegistry> context) {
    ready.warnOnce(registry, problem);
    UpdateControl<PrivateRegistry> control =
        ready.patchIfChanged(registry, notReadyStatus(registry, problem), context);
    return recheck == null ? control : control.rescheduleAfter(recheck);
  }

  private PrivateRegistryStatus notReadyStatus(PrivateRegistry registry, Problem problem) {
    PrivateRegistryStatus status = ready.editableStatus(registry);
    status.observedGeneration = registry.getMetadata().getGeneration();
    ready.setReady(registry, status, false, problem.reason(), problem.message());
    return status;
  }

  private static List<Htpasswd.Entry> roster(
      PrivateRegistry registry, Context<PrivateRegistry> context) {
    List<RegistryUser> users =
        context
            .getSecondaryResourcesAsStream(RegistryUser.class)
            .filter(user -> registry.getMetadata().getName().equals(user.getSpec().registryRef))
            .toList();
    // One pass over the cached Secrets, not one per user: a lookup by name scans them all.
    Map<String, Secret> secrets =
        context
            .getSecondaryResourcesAsStream(Secret.class)
            .collect(
                Collectors.toMap(
                    secret -> secret.getMetadata().getName(), secret -> secret, (a, b) -> a));
    return Roster.entries(users, name -> Optional.ofNullable(secrets.get(name)));
  }
}
