package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistryStatus;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.user.model.Roster;
import dev.registryoperator.user.model.EntrySecret;
import dev.registryoperator.user.model.Htpasswd;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import dev.registryoperator.kube.EventRecorder;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.dependent.CaBundleDependent;
import dev.registryoperator.registry.dependent.CaSecretDependent;
import dev.registryoperator.registry.dependent.ClaimDependent;
import dev.registryoperator.registry.dependent.ConfigMapDependent;
import dev.registryoperator.registry.dependent.DeploymentDependent;
import dev.registryoperator.registry.dependent.EventSources;
import dev.registryoperator.registry.dependent.HtpasswdSecretDependent;
import dev.registryoperator.registry.dependent.HttpSecretDependent;
import dev.registryoperator.registry.dependent.IngressDependent;
import dev.registryoperator.registry.dependent.ReconcileInputs;
import dev.registryoperator.registry.dependent.Secondaries;
import dev.registryoperator.registry.dependent.ServiceDependent;
import dev.registryoperator.registry.dependent.ServingSecretDependent;
import dev.registryoperator.registry.model.TlsMaterial;
import dev.registryoperator.status.Problem;
import dev.registryoperator.status.ReadyReporter;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
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
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;

/**
 * Reconciles a PrivateRegistry as a pipeline: validate, observe, apply the children (the workflow
 * below), record status. Invalid input stops before anything is applied, so a bad edit never
 * disturbs a running registry.
 */
@ControllerConfiguration(
    name = PrivateRegistryReconciler.NAME,
    // User-supplied TLS Secrets are not watched (the operator caches only its own Secrets): a
    // periodic pass notices their rotation. Certificate renewal needs no more than this either.
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(
          name = "ca-secret",
          type = CaSecretDependent.class,
          useEventSourceWithName = EventSources.SECRETS),
      @Dependent(
          name = "http-secret",
          type = HttpSecretDependent.class,
          useEventSourceWithName = EventSources.SECRETS),
      @Dependent(
          name = "htpasswd-secret",
          type = HtpasswdSecretDependent.class,
          useEventSourceWithName = EventSources.SECRETS),
      @Dependent(
          name = "serving-secret",
          type = ServingSecretDependent.class,
          dependsOn = "ca-secret",
          useEventSourceWithName = EventSources.SECRETS),
      @Dependent(
          name = "ca-bundle",
          type = CaBundleDependent.class,
          dependsOn = "ca-secret",
          reconcilePrecondition = CaBundleDependent.CaKnown.class,
          useEventSourceWithName = EventSources.CONFIG_MAPS),
      @Dependent(
          name = "config",
          type = ConfigMapDependent.class,
          useEventSourceWithName = EventSources.CONFIG_MAPS),
      @Dependent(
          name = "claim",
          type = ClaimDependent.class,
          reconcilePrecondition = ClaimDependent.ClaimManaged.class),
      @Dependent(
          name = "deployment",
          type = DeploymentDependent.class,
          dependsOn = {"serving-secret", "http-secret", "htpasswd-secret", "config"}),
      @Dependent(name = "service", type = ServiceDependent.class),
      @Dependent(
          name = "ingress",
          type = IngressDependent.class,
          reconcilePrecondition = IngressDependent.IngressRequested.class),
    })
public class PrivateRegistryReconciler implements Reconciler<PrivateRegistry> {

  public static final String NAME = "privateregistry";

  private static final Duration USER_SECRET_RECHECK = Duration.ofMinutes(1);

  private final Clock clock;
  private final EventRecorder events;
  private final ReadyReporter<PrivateRegistry, PrivateRegistryStatus> ready;

  public PrivateRegistryReconciler(Clock clock, EventRecorder events) {
    this.clock = clock;
    this.events = events;
    this.ready =
        new ReadyReporter<>(
            PrivateRegistryStatus.class, PrivateRegistryStatus::new, PrivateRegistry::new, events, clock);
  }

  @Override
  public List<EventSource<?, PrivateRegistry>> prepareEventSources(
      EventSourceContext<PrivateRegistry> context) {
    // One watch per kind for all our Secrets and ConfigMaps, filtered by our label so the cache
    // holds none of the cluster's other Secrets.
    // The users' htpasswd entries are owned by their RegistryUser, not by the registry: they are
    // found through the registry label.
    SecondaryToPrimaryMapper<Secret> byOwner = Mappers.fromOwnerReferences(PrivateRegistry.class);
    var secrets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, PrivateRegistry.class)
                .withName(EventSources.SECRETS)
                .withLabelSelector(Labels.MANAGED_SELECTOR)
                .withSecondaryToPrimaryMapper(
                    secret ->
                        EntrySecret.COMPONENT.equals(secret.getMetadata().getLabels().get(Labels.COMPONENT))
                            ? registryLabelled(secret)
                            : byOwner.toPrimaryResourceIDs(secret))
                .build(),
            context);
    // A user in flight between registries (spec.registryRef changed) concerns both.
    var users =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(RegistryUser.class, PrivateRegistry.class)
                // A user's status changes do not change the file, except the registry it names.
                .withOnUpdateFilter(
                    (updated, previous) ->
                        !Objects.equals(updated.getMetadata().getGeneration(), previous.getMetadata().getGeneration())
                            || !Roster.registriesOf(updated).equals(Roster.registriesOf(previous)))
                .withSecondaryToPrimaryMapper(
                    (RegistryUser user) ->
                        Roster.registriesOf(user).stream()
                            .map(name -> new ResourceID(name, user.getMetadata().getNamespace()))
                            .collect(Collectors.toSet()))
                .build(),
            context);
    var configMaps =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ConfigMap.class, PrivateRegistry.class)
                .withName(EventSources.CONFIG_MAPS)
                .withLabelSelector(Labels.MANAGED_SELECTOR)
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(PrivateRegistry.class))
                .build(),
            context);
    return List.of(secrets, configMaps, users);
  }

  @Override
  public UpdateControl<PrivateRegistry> reconcile(
      PrivateRegistry registry, Context<PrivateRegistry> context) {
    Optional<Problem> invalid = RegistryValidation.validate(registry);
    if (invalid.isPresent()) {
      return notReady(registry, invalid.get(), null);
    }

    Secret userTlsSecret = null;
    String userTlsSecretName = registry.getSpec().tls.secretName;
    if (userTlsSecretName != null) {
      userTlsSecret =
          context
              .getClient()
              .secrets()
              .inNamespace(registry.getMetadata().getNamespace())
              .withName(userTlsSecretName)
              .get();
      Optional<Problem> tlsProblem = UserTlsSecrets.check(userTlsSecretName, userTlsSecret);
      if (tlsProblem.isPresent()) {
        return notReady(registry, tlsProblem.get(), USER_SECRET_RECHECK);
      }
    }

    RegistryNames names = RegistryNames.of(registry);
    boolean firstReconcile = observedGeneration(registry) == null;
    Optional<String> caBefore = caCertificate(context, names);
    Optional<Secret> servingBefore = Secondaries.named(context, Secret.class, names.tlsSecret());
    Optional<String> reissueReason = reissueReason(registry, context, names, servingBefore);

    List<Htpasswd.Entry> roster = roster(registry, context);
    new ReconcileInputs(clock, userTlsSecret, Htpasswd.render(roster)).attachTo(context);
    context
        .managedWorkflowAndDependentResourceContext()
        .reconcileManagedWorkflow()
        .throwAggregateExceptionIfErrorsPresent();

    if (firstReconcile) {
      events.normal(
          registry, "Created", "Created the registry's Deployment, Service, Secrets and storage.");
    }
    Optional<String> caAfter = caCertificate(context, names);
    boolean caRegenerated = caBefore.isPresent() && !caBefore.equals(caAfter);
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
    recordCertificateEvent(registry, context, names, servingBefore, reissueReason, caRegenerated);

    PrivateRegistryStatus status =
        RegistryStatus.of(registry, context, userTlsSecret, roster.size(), clock);
    return ready.patchIfChanged(registry, status);
  }

  @Override
  public ErrorStatusUpdateControl<PrivateRegistry> updateErrorStatus(
      PrivateRegistry registry, Context<PrivateRegistry> context, Exception error) {
    return ready.failed(registry, error);
  }

  private UpdateControl<PrivateRegistry> notReady(
      PrivateRegistry registry, Problem problem, Duration recheck) {
    ready.warnOnce(registry, problem);
    PrivateRegistryStatus status = ready.editableStatus(registry);
    status.observedGeneration = registry.getMetadata().getGeneration();
    ready.setReady(registry, status, false, problem.reason(), problem.message());
    UpdateControl<PrivateRegistry> control =
        ready.patchIfChanged(registry, status);
    return recheck == null ? control : control.rescheduleAfter(recheck);
  }

  private Optional<String> reissueReason(
      PrivateRegistry registry,
      Context<PrivateRegistry> context,
      RegistryNames names,
      Optional<Secret> servingBefore) {
    return Secondaries.named(context, Secret.class, names.caSecret())
        .flatMap(TlsMaterial::readCa)
        .flatMap(ca -> TlsMaterial.reissueReason(registry, servingBefore.orElse(null), ca, clock));
  }

  private void recordCertificateEvent(
      PrivateRegistry registry,
      Context<PrivateRegistry> context,
      RegistryNames names,
      Optional<Secret> servingBefore,
      Optional<String> reissueReason,
      boolean caRegenerated) {
    Optional<String> certificateBefore =
        servingBefore.flatMap(secret -> SecretData.decode(secret, TlsMaterial.CERT_KEY));
    Optional<String> certificateAfter =
        Secondaries.named(context, Secret.class, names.tlsSecret())
            .flatMap(secret -> SecretData.decode(secret, TlsMaterial.CERT_KEY));
    if (certificateAfter.isEmpty() || certificateAfter.equals(certificateBefore)) {
      return;
    }
    if (certificateBefore.isEmpty()) {
      events.normal(registry, "CertificateIssued", "Issued the serving certificate from the registry's CA.");
    } else if (caRegenerated) {
      events.normal(
          registry,
          "CertificateRenewed",
          "Issued a serving certificate from the new CA; the pod restarts to load it.");
    } else {
      events.normal(
          registry,
          "CertificateRenewed",
          "Renewed the serving certificate ("
              + reissueReason.orElse("replaced")
              + "); the CA is unchanged and the pod restarts to load it.");
    }
  }

  private static List<Htpasswd.Entry> roster(
      PrivateRegistry registry, Context<PrivateRegistry> context) {
    List<RegistryUser> users =
        context
            .getSecondaryResourcesAsStream(RegistryUser.class)
            .filter(user -> registry.getMetadata().getName().equals(user.getSpec().registryRef))
            .toList();
    return RegistryRoster.entries(users, name -> Secondaries.named(context, Secret.class, name));
  }

  private static Set<ResourceID> registryLabelled(Secret secret) {
    String registry = secret.getMetadata().getLabels().get(Labels.REGISTRY);
    return registry == null
        ? Set.of()
        : Set.of(new ResourceID(registry, secret.getMetadata().getNamespace()));
  }

  private static Optional<String> caCertificate(
      Context<PrivateRegistry> context, RegistryNames names) {
    return Secondaries.named(context, Secret.class, names.caSecret())
        .flatMap(secret -> SecretData.decode(secret, TlsMaterial.CERT_KEY));
  }

  private static Long observedGeneration(PrivateRegistry registry) {
    return registry.getStatus() == null ? null : registry.getStatus().observedGeneration;
  }
}
