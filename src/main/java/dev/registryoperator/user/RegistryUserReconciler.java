package dev.registryoperator.user;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.api.v1alpha1.RegistryUserStatus;
import dev.registryoperator.kube.EventRecorder;
import dev.registryoperator.metrics.ReadyGauges;
import dev.registryoperator.naming.UserSecretNames;
import dev.registryoperator.registry.model.RegistryIngress;
import dev.registryoperator.registry.model.RegistryService;
import dev.registryoperator.roster.EntrySecret;
import dev.registryoperator.roster.Usernames;
import dev.registryoperator.status.Problem;
import dev.registryoperator.status.ReadyReporter;
import dev.registryoperator.status.RefusedChildren;
import dev.registryoperator.user.PasswordObservation.Read;
import dev.registryoperator.user.PasswordObservation.Unchanged;
import dev.registryoperator.user.dependent.EntrySecretDependent;
import dev.registryoperator.user.dependent.GeneratedPasswordDependent;
import dev.registryoperator.user.dependent.PullSecretDependent;
import dev.registryoperator.user.dependent.UserInputs;
import dev.registryoperator.user.model.PasswordHasher;
import dev.registryoperator.user.model.UserPermissions;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Reconciles a RegistryUser as a pipeline: observe, validate, apply its children (the workflow
 * below), record status. The registry's reconciler assembles the htpasswd file from the users'
 * entries; a bad user only ever loses its own entry.
 */
@ControllerConfiguration(
    name = RegistryUserReconciler.NAME,
    // A periodic pass costs no bcrypt and reads no Secret for an unchanged user, and catches
    // anything a watch missed.
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(
          name = "generated-password",
          type = GeneratedPasswordDependent.class,
          useEventSourceWithName = UserEventSources.OWN_SECRETS),
      @Dependent(
          name = "entry-secret",
          type = EntrySecretDependent.class,
          dependsOn = "generated-password",
          reconcilePrecondition = EntrySecretDependent.UserValid.class,
          useEventSourceWithName = UserEventSources.OWN_SECRETS),
      @Dependent(
          name = "pull-secret",
          type = PullSecretDependent.class,
          dependsOn = "generated-password",
          reconcilePrecondition = PullSecretDependent.Wanted.class,
          useEventSourceWithName = UserEventSources.OWN_SECRETS),
    })
public class RegistryUserReconciler implements Reconciler<RegistryUser> {

  public static final String NAME = "registryuser";

  private final PasswordHasher hasher;
  private final MeterRegistry meters;
  private final ReadyReporter<RegistryUser, RegistryUserStatus> ready;
  private final UserEventSources sources = new UserEventSources();

  public RegistryUserReconciler(
      Clock clock, EventRecorder events, PasswordHasher hasher, MeterRegistry meters) {
    this.hasher = hasher;
    this.meters = meters;
    this.ready =
        new ReadyReporter<>(
            RegistryUserStatus.class, RegistryUserStatus::new, RegistryUser::new, events, clock);
  }

  @Override
  public List<EventSource<?, RegistryUser>> prepareEventSources(
      EventSourceContext<RegistryUser> context) {
    ReadyGauges.register(meters, "RegistryUser", context.getPrimaryCache());
    return sources.create(context);
  }

  @Override
  public UpdateControl<RegistryUser> reconcile(RegistryUser user, Context<RegistryUser> context) {
    UserObservation seen = UserObservation.of(user, sources, context);
    Optional<Problem> problem = UserValidation.validate(user, seen);
    inputs(user, seen, problem.isEmpty()).attachTo(context);
    context
        .managedWorkflowAndDependentResourceContext()
        .reconcileManagedWorkflow()
        .throwAggregateExceptionIfErrorsPresent();
    return ready.patchIfChanged(user, status(user, seen, problem), context);
  }

  @Override
  public ErrorStatusUpdateControl<RegistryUser> updateErrorStatus(
      RegistryUser user, Context<RegistryUser> context, Exception error) {
    Optional<Problem> refused = RefusedChildren.problem(error, "RegistryUser");
    if (refused.isEmpty()) {
      return ready.failed(user, error, context);
    }
    // The server will refuse the same Secret again (a name too long for its children, a registry
    // name no label can carry): the spec must change first.
    ready.warnOnce(user, refused.get());
    RegistryUserStatus status = ready.editableStatus(user);
    status.observedGeneration = user.getMetadata().getGeneration();
    status.registry = null;
    ready.setReady(user, status, false, refused.get().reason(), refused.get().message());
    return ready.reportedWithoutRetry(user, status, context);
  }

  private UserInputs inputs(RegistryUser user, UserObservation seen, boolean valid) {
    if (!valid) {
      return new UserInputs(
          false, null, 0, List.of(), null, null, hasher, name -> sources.ownSecret(user, name));
    }
    PrivateRegistry registry = seen.registry().orElseThrow();
    PasswordObservation password = seen.password().orElseThrow();
    UserInputs.Password known = null; // generated in this reconcile: read from the new Secret
    if (password instanceof Unchanged unchanged) {
      known =
          new UserInputs.Password(
              unchanged.source(), unchanged.password(), Optional.of(unchanged.hash()));
    } else if (password instanceof Read read) {
      known = new UserInputs.Password(read.source(), read.value(), Optional.empty());
    }
    return new UserInputs(
        true,
        Usernames.effective(user),
        registry.getSpec().auth.bcryptCost,
        hosts(registry),
        sources.caPem(registry).orElse(null),
        known,
        hasher,
        name -> sources.ownSecret(user, name));
  }

  private RegistryUserStatus status(
      RegistryUser user, UserObservation seen, Optional<Problem> problem) {
    UserSecretNames names = UserSecretNames.of(user);
    String username = Usernames.effective(user);
    RegistryUserStatus status = ready.editableStatus(user);
    status.observedGeneration = user.getMetadata().getGeneration();
    status.username = username;
    status.credentialsSecret =
        user.getSpec().passwordSecretRef == null ? names.credentialsSecret() : null;
    status.pullSecret = user.getSpec().pullSecret && problem.isEmpty() ? names.pullSecret() : null;
    status.access = problem.isEmpty() ? UserPermissions.of(user.getSpec()).summary() : null;
    if (problem.isPresent()) {
      status.registry = null;
      ready.warnOnce(user, problem.get());
      ready.setReady(user, status, false, problem.get().reason(), problem.get().message());
      return status;
    }
    String registry = user.getSpec().registryRef;
    boolean listed = listed(user, seen.registry().orElseThrow(), username);
    status.registry = listed ? registry : null;
    ready.setReady(
        user,
        status,
        listed,
        listed ? "Active" : "Pending",
        listed
            ? "The user can log in to registry '" + registry + "'."
            : "Waiting for registry '" + registry + "' to add the user to its htpasswd file.");
    return status;
  }

  /**
   * Whether the registry's htpasswd file holds this user's current hash. Read from the file itself:
   * when the registry writes it, the change wakes this user again.
   */
  private boolean listed(RegistryUser user, PrivateRegistry registry, String username) {
    Optional<String> hash =
        sources
            .ownSecret(user, UserSecretNames.of(user).entrySecret())
            .flatMap(EntrySecret::read)
            .map(EntrySecret.Stored::hash);
    return hash.isPresent() && hash.get().equals(sources.htpasswd(registry).get(username));
  }

  /** host:port pairs clients reach the registry at: in-cluster first, then the Ingress. */
  private static List<String> hosts(PrivateRegistry registry) {
    List<String> hosts = new ArrayList<>();
    hosts.add(RegistryService.url(registry).substring("https://".length()));
    if (registry.getSpec().ingress != null) {
      hosts.add(RegistryIngress.externalUrl(registry).substring("https://".length()));
    }
    return hosts;
  }
}
