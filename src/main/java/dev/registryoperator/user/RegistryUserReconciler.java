package dev.registryoperator.user;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.api.v1alpha1.RegistryUserSpec.SecretKeyRef;
import dev.registryoperator.api.v1alpha1.RegistryUserStatus;
import dev.registryoperator.kube.EventRecorder;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.naming.UserNames;
import dev.registryoperator.registry.model.Components;
import dev.registryoperator.registry.model.RegistryIngress;
import dev.registryoperator.status.Conditions;
import dev.registryoperator.status.Problem;
import dev.registryoperator.status.ReadyReporter;
import dev.registryoperator.user.model.EntrySecret;
import dev.registryoperator.user.model.Htpasswd;
import dev.registryoperator.user.model.PasswordHasher;
import dev.registryoperator.user.model.Passwords;
import dev.registryoperator.user.model.Roster;
import dev.registryoperator.user.model.UserSecrets;
import dev.registryoperator.user.model.Usernames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import java.util.concurrent.TimeUnit;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reconciles a RegistryUser: validate it, settle its password (referenced or generated once), keep
 * its bcrypt entry and pull Secret, and report whether the registry's htpasswd holds it. The
 * registry's reconciler assembles the htpasswd file from the entries; a bad user only ever loses
 * its own entry.
 */
@ControllerConfiguration(
    name = RegistryUserReconciler.NAME,
    // A periodic pass costs no bcrypt (hashes are reused) and catches anything a watch missed.
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(
          name = "entry-secret",
          type = EntrySecretDependent.class,
          reconcilePrecondition = EntrySecretDependent.UserValid.class,
          useEventSourceWithName = RegistryUserReconciler.MANAGED_SECRETS),
      @Dependent(
          name = "pull-secret",
          type = PullSecretDependent.class,
          reconcilePrecondition = PullSecretDependent.Wanted.class,
          useEventSourceWithName = RegistryUserReconciler.MANAGED_SECRETS),
    })
public class RegistryUserReconciler implements Reconciler<RegistryUser> {

  public static final String NAME = "registryuser";
  static final String MANAGED_SECRETS = "user-managed-secrets";
  static final String PASSWORD_SECRETS = "user-password-secrets";

  static final String BY_REGISTRY = "by-registry";
  static final String BY_PASSWORD_SECRET = "by-password-secret";
  static final String BY_USERNAME = "by-username";

  private static final Duration PENDING_RECHECK = Duration.ofSeconds(5);

  private final EventRecorder events;
  private final PasswordHasher hasher;
  private final ReadyReporter<RegistryUser, RegistryUserStatus> ready;

  private InformerEventSource<Secret, RegistryUser> managedSecrets;
  private InformerEventSource<Secret, RegistryUser> passwordSecrets;
  private InformerEventSource<PrivateRegistry, RegistryUser> registries;
  private InformerEventSource<ConfigMap, RegistryUser> caBundles;

  public RegistryUserReconciler(Clock clock, EventRecorder events, PasswordHasher hasher) {
    this.events = events;
    this.hasher = hasher;
    this.ready =
        new ReadyReporter<>(
            RegistryUserStatus.class, RegistryUserStatus::new, RegistryUser::new, events, clock);
  }

  @Override
  public List<EventSource<?, RegistryUser>> prepareEventSources(
      EventSourceContext<RegistryUser> context) {
    IndexedResourceCache<RegistryUser> users = context.getPrimaryCache();
    context
        .getPrimaryCache()
        .addIndexers(
            Map.of(
                BY_REGISTRY,
                user -> Roster.registriesOf(user).stream().map(r -> key(user, r)).toList(),
                BY_USERNAME,
                RegistryUserReconciler::usernameKeys,
                BY_PASSWORD_SECRET,
                user ->
                    user.getSpec().passwordSecretRef == null
                        ? List.of()
                        : List.of(key(user, user.getSpec().passwordSecretRef.name))));

    // Our own Secrets: the user's entry and pull Secret (owned), and the registry's htpasswd file,
    // whose changes decide every one of its users' Ready condition.
    managedSecrets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, RegistryUser.class)
                .withName(MANAGED_SECRETS)
                .withLabelSelector(Labels.MANAGED_SELECTOR)
                .withSecondaryToPrimaryMapper(
                    secret -> {
                      Set<ResourceID> ids = new HashSet<>();
                      secret.getMetadata().getOwnerReferences().stream()
                          .filter(ref -> HasMetadata.getKind(RegistryUser.class).equals(ref.getKind()))
                          .forEach(
                              ref ->
                                  ids.add(new ResourceID(ref.getName(), secret.getMetadata().getNamespace())));
                      if (Components.AUTH.equals(secret.getMetadata().getLabels().get(Labels.COMPONENT))) {
                        ids.addAll(usersWhoseListingChanged(users, secret));
                      }
                      return ids;
                    })
                .build(),
            context);

    // Users' own password Secrets. Only their metadata is cached (uid, resourceVersion): enough to
    // notice a change; the password is read with a GET when needed. So the operator never holds the
    // cluster's Secrets in memory, only watches them.
    passwordSecrets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, RegistryUser.class)
                .withName(PASSWORD_SECRETS)
                .withItemStore(
                    new ReducedStateItemStore<>(
                        ReducedStateItemStore.NAME_KEY_STATE,
                        Secret.class,
                        new KubernetesSerialization(),
                        "metadata.uid"))
                .withSecondaryToPrimaryMapper(
                    secret ->
                        users
                            .byIndex(
                                BY_PASSWORD_SECRET,
                                secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName())
                            .stream()
                            .map(ResourceID::fromResource)
                            .collect(Collectors.toSet()))
                .build(),
            context);

    // Only spec changes of a registry concern its users (hosts, cost); its status changes with
    // every user and would otherwise wake all of them each time.
    registries =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(PrivateRegistry.class, RegistryUser.class)
                .withOnUpdateFilter(RegistryUserReconciler::specChanged)
                .withSecondaryToPrimaryMapper(
                    registry ->
                        users
                            .byIndex(
                                BY_REGISTRY,
                                registry.getMetadata().getNamespace() + "/" + registry.getMetadata().getName())
                            .stream()
                            .map(ResourceID::fromResource)
                            .collect(Collectors.toSet()))
                .build(),
            context);

    // The CA bundle goes into each pull Secret.
    caBundles =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ConfigMap.class, RegistryUser.class)
                .withLabelSelector(Labels.MANAGED_SELECTOR)
                .withSecondaryToPrimaryMapper(configMap -> usersOfRegistry(users, configMap))
                .build(),
            context);

    // Users claiming the same username in a registry decide together who holds it: any change to
    // one of them (created, deleted, renamed) re-evaluates the others - and only those.
    var siblings =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(RegistryUser.class, RegistryUser.class)
                .withName("user-siblings")
                .withOnUpdateFilter(RegistryUserReconciler::specChanged)
                .withSecondaryToPrimaryMapper(
                    (RegistryUser user) ->
                        usernameKeys(user).stream()
                            .flatMap(key -> users.byIndex(BY_USERNAME, key).stream())
                            .map(ResourceID::fromResource)
                            .collect(Collectors.toSet()))
                .build(),
            context);
    return List.of(managedSecrets, passwordSecrets, registries, caBundles, siblings);
  }

  @Override
  public UpdateControl<RegistryUser> reconcile(RegistryUser user, Context<RegistryUser> context) {
    String namespace = user.getMetadata().getNamespace();
    String username = Usernames.effective(user);
    Optional<PrivateRegistry> registry =
        registries.get(new ResourceID(user.getSpec().registryRef, namespace));

    Verdict verdict = judge(user, username, registry, context);
    (verdict.problem == null ? verdict.inputs : UserInputs.invalid(hasher)).attachTo(context);
    context
        .managedWorkflowAndDependentResourceContext()
        .reconcileManagedWorkflow()
        .throwAggregateExceptionIfErrorsPresent();

    RegistryUserStatus status = ready.editableStatus(user);
    status.observedGeneration = user.getMetadata().getGeneration();
    status.username = username;
    status.credentialsSecret =
        user.getSpec().passwordSecretRef == null ? UserNames.of(user).credentialsSecret() : null;
    status.pullSecret =
        user.getSpec().pullSecret && verdict.problem == null ? UserNames.of(user).pullSecret() : null;
    if (verdict.problem != null) {
      status.registry = null;
      ready.warnOnce(user, verdict.problem);
      ready.setReady(user, status, false, verdict.problem.reason(), verdict.problem.message());
    } else {
      boolean listed = listedInRegistry(user, registry.get(), username);
      status.registry = listed ? registry.get().getMetadata().getName() : status.registry;
      ready.setReady(
          user,
          status,
          listed,
          listed ? "Active" : "Pending",
          listed
              ? "The user can log in to registry '" + user.getSpec().registryRef + "'."
              : "Waiting for registry '"
                  + user.getSpec().registryRef
                  + "' to add the user to its htpasswd file.");
    }
    UpdateControl<RegistryUser> control = ready.patchIfChanged(user, status);
    // Pending is short-lived: the registry lists the user within a reconcile. Its htpasswd event
    // may have been judged against this user's previous status, so look again shortly.
    return verdict.problem == null && !Conditions.isTrue(status.conditions, Conditions.READY)
        ? control.rescheduleAfter(PENDING_RECHECK)
        : control;
  }

  @Override
  public ErrorStatusUpdateControl<RegistryUser> updateErrorStatus(
      RegistryUser user, Context<RegistryUser> context, Exception error) {
    return ready.failed(user, error);
  }

  /** The outcome of checking a user: a problem, or everything its children are rendered from. */
  private record Verdict(Problem problem, UserInputs inputs) {
    static Verdict of(Problem problem) {
      return new Verdict(problem, null);
    }
  }

  private Verdict judge(
      RegistryUser user,
      String username,
      Optional<PrivateRegistry> registry,
      Context<RegistryUser> context) {
    Optional<Problem> invalidName = Usernames.validate(username);
    if (invalidName.isPresent()) {
      return Verdict.of(invalidName.get());
    }
    if (registry.isEmpty()) {
      return Verdict.of(
          new Problem(
              "RegistryNotFound",
              "PrivateRegistry '" + user.getSpec().registryRef + "' does not exist in this namespace."));
    }
    List<RegistryUser> siblings =
        context.getPrimaryCache().byIndex(BY_REGISTRY, key(user, user.getSpec().registryRef));
    Optional<RegistryUser> holder = Roster.heldByOther(user, siblings);
    if (holder.isPresent()) {
      return Verdict.of(
          new Problem(
              "DuplicateUsername",
              "RegistryUser '"
                  + holder.get().getMetadata().getName()
                  + "' already has username '"
                  + username
                  + "' in registry '"
                  + user.getSpec().registryRef
                  + "' (the oldest keeps it)."));
    }

    int cost = registry.get().getSpec().auth.bcryptCost;
    Secret passwordSecret;
    String key;
    SecretKeyRef ref = user.getSpec().passwordSecretRef;
    if (ref == null) {
      passwordSecret = credentials(user, context);
      key = UserNames.PASSWORD_KEY;
    } else {
      if (passwordSecrets.get(new ResourceID(ref.name, user.getMetadata().getNamespace())).isEmpty()) {
        return Verdict.of(
            new Problem(
                "PasswordSecretNotFound", "The password Secret '" + ref.name + "' does not exist."));
      }
      // The cache holds metadata only; the password itself is read now and kept nowhere.
      passwordSecret =
          context.getClient().secrets().inNamespace(user.getMetadata().getNamespace()).withName(ref.name).get();
      key = ref.key;
      if (passwordSecret == null) {
        return Verdict.of(
            new Problem(
                "PasswordSecretNotFound", "The password Secret '" + ref.name + "' does not exist."));
      }
    }
    Optional<String> password = SecretData.decode(passwordSecret, key);
    if (password.isEmpty()) {
      return Verdict.of(
          new Problem(
              "PasswordKeyNotFound",
              "The Secret '" + passwordSecret.getMetadata().getName() + "' has no key '" + key + "'."));
    }
    Optional<Problem> badPassword = Passwords.validate(password.get());
    if (badPassword.isPresent()) {
      return Verdict.of(badPassword.get());
    }
    return new Verdict(
        null,
        new UserInputs(
            true,
            username,
            password.get(),
            EntrySecret.passwordSource(passwordSecret, key, cost),
            cost,
            hosts(registry.get()),
            caPem(registry.get()),
            hasher));
  }

  /**
   * The generated password's Secret, created on first need and never changed: it is created here,
   * before the dependents run, because the entry's password source names its version.
   */
  private Secret credentials(RegistryUser user, Context<RegistryUser> context) {
    ResourceID id = new ResourceID(UserNames.of(user).credentialsSecret(), user.getMetadata().getNamespace());
    Optional<Secret> existing = managedSecrets.get(id);
    if (existing.isPresent()) {
      return existing.get();
    }
    try {
      Secret created =
          context.getClient().resource(UserSecrets.credentials(user, Passwords.generate())).create();
      events.normal(user, "PasswordGenerated", "Generated a password into Secret '" + id.getName() + "'.");
      return created;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // Created by an earlier reconcile that the cache has not caught up with: use that one.
      return context.getClient().secrets().inNamespace(id.getNamespace().orElseThrow()).withName(id.getName()).get();
    }
  }

  private boolean listedInRegistry(RegistryUser user, PrivateRegistry registry, String username) {
    RegistryNames names = RegistryNames.of(registry);
    Optional<String> expectedHash =
        managedSecrets
            .get(new ResourceID(UserNames.of(user).entrySecret(), user.getMetadata().getNamespace()))
            .flatMap(EntrySecret::read)
            .map(EntrySecret.Stored::hash);
    Optional<String> listedHash =
        managedSecrets
            .get(new ResourceID(names.htpasswdSecret(), user.getMetadata().getNamespace()))
            .flatMap(secret -> SecretData.decode(secret, RegistryNames.HTPASSWD_KEY))
            .map(file -> Htpasswd.parse(file).get(username));
    return expectedHash.isPresent() && expectedHash.equals(listedHash);
  }

  private static List<String> hosts(PrivateRegistry registry) {
    List<String> hosts = new ArrayList<>();
    hosts.add(
        RegistryNames.of(registry).inClusterHost(registry.getMetadata().getNamespace())
            + ":"
            + registry.getSpec().proxy.port);
    if (registry.getSpec().ingress != null) {
      hosts.add(RegistryIngress.externalUrl(registry).substring("https://".length()));
    }
    return hosts;
  }

  private String caPem(PrivateRegistry registry) {
    return caBundles
        .get(
            new ResourceID(
                RegistryNames.of(registry).caBundleConfigMap(), registry.getMetadata().getNamespace()))
        .map(configMap -> configMap.getData().get(RegistryNames.CA_BUNDLE_KEY))
        .orElse(null);
  }

  /**
   * registry/username pairs the user claims or claimed until now (status keeps the last ones), so
   * that a rename also reaches the users waiting for the old name.
   */
  private static List<String> usernameKeys(RegistryUser user) {
    Set<String> usernames = new HashSet<>();
    usernames.add(Usernames.effective(user));
    if (user.getStatus() != null && user.getStatus().username != null) {
      usernames.add(user.getStatus().username);
    }
    return Roster.registriesOf(user).stream()
        .flatMap(registry -> usernames.stream().map(name -> key(user, registry + "/" + name)))
        .toList();
  }

  private static <R extends HasMetadata> boolean specChanged(R updated, R previous) {
    return !Objects.equals(updated.getMetadata().getGeneration(), previous.getMetadata().getGeneration());
  }

  /**
   * The users of a registry whose Ready condition disagrees with the registry's new htpasswd file:
   * listed but not ready, or ready but no longer listed. Waking only those keeps a change of one
   * user from re-reconciling all the others.
   */
  private static Set<ResourceID> usersWhoseListingChanged(
      IndexedResourceCache<RegistryUser> users, Secret htpasswdSecret) {
    String registry = htpasswdSecret.getMetadata().getLabels().get(Labels.REGISTRY);
    if (registry == null) {
      return Set.of();
    }
    Map<String, String> listed =
        Htpasswd.parse(SecretData.decode(htpasswdSecret, RegistryNames.HTPASSWD_KEY).orElse(""));
    return users.byIndex(BY_REGISTRY, key(htpasswdSecret, registry)).stream()
        .filter(
            user -> {
              boolean ready =
                  user.getStatus() != null
                      && Conditions.isTrue(user.getStatus().conditions, Conditions.READY);
              return ready != listed.containsKey(Usernames.effective(user));
            })
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  private static String key(HasMetadata object, String name) {
    return object.getMetadata().getNamespace() + "/" + name;
  }

  private static Set<ResourceID> usersOfRegistry(
      IndexedResourceCache<RegistryUser> users, HasMetadata registryChild) {
    String registry = registryChild.getMetadata().getLabels().get(Labels.REGISTRY);
    if (registry == null) {
      return Set.of();
    }
    return users.byIndex(BY_REGISTRY, key(registryChild, registry)).stream()
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }
}
