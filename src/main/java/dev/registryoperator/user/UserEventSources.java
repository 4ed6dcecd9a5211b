package dev.registryoperator.user;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.ByRegistryLabel;
import dev.registryoperator.kube.ReferencedMetadataStore;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.kube.TrimmedItemStore;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.naming.UserSecretNames;
import dev.registryoperator.roster.EntrySecret;
import dev.registryoperator.roster.Htpasswd;
import dev.registryoperator.roster.Usernames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What wakes a RegistryUser, and the caches its reconcile reads. Every event is routed by data -
 * the user's spec, the registry label on our objects, the username in a user's entry - never by a
 * status field, which is for people and lags.
 */
final class UserEventSources {

  /** The user's own children: its entry, its generated password, its pull Secret. */
  static final String OWN_SECRETS = "user-own-secrets";

  private static final String BY_REGISTRY = "by-registry";
  private static final String BY_USERNAME = "by-username";
  private static final String BY_PASSWORD_SECRET = "by-password-secret";

  private IndexedResourceCache<RegistryUser> users;
  private InformerEventSource<Secret, RegistryUser> ownSecrets;
  private InformerEventSource<Secret, RegistryUser> htpasswdFiles;
  private InformerEventSource<PrivateRegistry, RegistryUser> registries;
  private InformerEventSource<ConfigMap, RegistryUser> caBundles;
  private ReferencedMetadataStore<Secret> passwordSecretVersions;
  private final HtpasswdVersions htpasswdVersions = new HtpasswdVersions();

  List<EventSource<?, RegistryUser>> create(EventSourceContext<RegistryUser> context) {
    context
        .getPrimaryCache()
        .addIndexers(
            Map.<String, Function<RegistryUser, List<String>>>of(
                BY_REGISTRY, user -> List.of(registryKey(user)),
                BY_USERNAME, user -> List.of(usernameKey(user, Usernames.effective(user))),
                BY_PASSWORD_SECRET,
                    user ->
                        user.getSpec().passwordSecretRef == null
                            ? List.of()
                            : List.of(
                                ReferencedMetadataStore.key(
                                    user.getMetadata().getNamespace(),
                                    user.getSpec().passwordSecretRef.name))));
    users = context.getPrimaryCache();

    ownSecrets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, RegistryUser.class)
                .withName(OWN_SECRETS)
                .withLabelSelector(
                    Labels.managedSelectorExcluding(
                        Components.REGISTRY, Components.TLS, Components.AUTH))
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(RegistryUser.class))
                .withItemStore(TrimmedItemStore.forEventSourceOf(context))
                .build(),
            context);

    // Whether a user is listed is read from its registry's htpasswd file, so a change of the file
    // wakes the users it concerns: those whose line was added, changed or removed (all of the
    // registry's users the first time a file is seen). No bcrypt: hashes are compared as text.
    htpasswdFiles =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, RegistryUser.class)
                .withName("user-htpasswd-files")
                .withLabelSelector(Labels.managedSelector(Components.AUTH))
                .withSecondaryToPrimaryMapper(this::usersWhoseLineChanged)
                .withItemStore(TrimmedItemStore.forEventSourceOf(context))
                .build(),
            context);

    // Only spec changes of a registry concern its users (hosts, cost, existence); its status
    // changes with every user and would otherwise wake all of them each time.
    registries =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(PrivateRegistry.class, RegistryUser.class)
                .withOnUpdateFilter(UserEventSources::specChanged)
                .withSecondaryToPrimaryMapper(
                    registry ->
                        idsOf(
                            users.byIndex(
                                BY_REGISTRY,
                                registryKey(
                                    registry.getMetadata().getNamespace(),
                                    registry.getMetadata().getName()))))
                .withItemStore(TrimmedItemStore.forEventSourceOf(context))
                .build(),
            context);

    // The CA bundle goes into each pull Secret.
    caBundles =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ConfigMap.class, RegistryUser.class)
                .withLabelSelector(Labels.managedSelector(Components.TLS))
                .withSecondaryToPrimaryMapper(this::usersOfRegistry)
                .withItemStore(TrimmedItemStore.forEventSourceOf(context))
                .build(),
            context);

    // Users' own password Secrets: watched, so that a new password applies at once, but the cache
    // keeps only the referenced ones, and of those only uid and resourceVersion. The password
    // itself
    // is read with a GET when it is needed.
    passwordSecretVersions =
        new ReferencedMetadataStore<>(
            key -> !users.byIndex(BY_PASSWORD_SECRET, key).isEmpty(), Secret::new);
    var passwordSecrets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, RegistryUser.class)
                .withName("user-password-secrets")
                .withItemStore(passwordSecretVersions)
                .withSecondaryToPrimaryMapper(
                    secret ->
                        idsOf(
                            users.byIndex(
                                BY_PASSWORD_SECRET, passwordSecretVersions.getKey(secret))))
                .build(),
            context);

    // Users claiming the same username in a registry decide together who holds it: a change of one
    // (created, deleted, renamed) re-evaluates the others with that username - the one the spec
    // names and, during a rename, the one its entry still holds.
    var siblings =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(RegistryUser.class, RegistryUser.class)
                .withName("user-siblings")
                .withOnUpdateFilter(UserEventSources::specChanged)
                .withSecondaryToPrimaryMapper(this::usersSharingAUsername)
                .withItemStore(TrimmedItemStore.forEventSourceOf(context))
                .build(),
            context);
    return List.of(ownSecrets, htpasswdFiles, registries, caBundles, passwordSecrets, siblings);
  }

  Optional<PrivateRegistry> registry(RegistryUser user) {
    return registries.get(
        new ResourceID(user.getSpec().registryRef, user.getMetadata().getNamespace()));
  }

  /** The RegistryUsers naming the same registry, this one included. */
  List<RegistryUser> usersOfSameRegistry(RegistryUser user) {
    return users.byIndex(BY_REGISTRY, registryKey(user));
  }

  /** One of the user's own children, by name. */
  Optional<Secret> ownSecret(RegistryUser user, String name) {
    return ownSecrets.get(new ResourceID(name, user.getMetadata().getNamespace()));
  }

  /** username -> hash of the registry's htpasswd file as it is now. */
  Map<String, String> htpasswd(PrivateRegistry registry) {
    return htpasswdFiles
        .get(
            new ResourceID(
                RegistryNames.of(registry).htpasswdSecret(), registry.getMetadata().getNamespace()))
        .flatMap(secret -> SecretData.decode(secret, Keys.HTPASSWD))
        .map(Htpasswd::parse)
        .orElse(Map.of());
  }

  Optional<String> caPem(PrivateRegistry registry) {
    return caBundles
        .get(
            new ResourceID(
                RegistryNames.of(registry).caBundleConfigMap(),
                registry.getMetadata().getNamespace()))
        .map(configMap -> configMap.getData().get(Keys.CA_CERT));
  }

  /**
   * The referenced password Secret's uid and resourceVersion (no data) when the watch has seen it,
   * otherwise the whole Secret read now, or empty when it does not exist.
   */
  Optional<Secret> passwordSecretVersion(RegistryUser user, Context<RegistryUser> context) {
    String namespace = user.getMetadata().getNamespace();
    String name = user.getSpec().passwordSecretRef.name;
    Secret cached = passwordSecretVersions.get(ReferencedMetadataStore.key(namespace, name));
    return cached != null ? Optional.of(cached) : readPasswordSecret(user, context);
  }

  /** The whole referenced password Secret, read now; it is kept nowhere but its version. */
  Optional<Secret> readPasswordSecret(RegistryUser user, Context<RegistryUser> context) {
    Secret secret =
        context
            .getClient()
            .secrets()
            .inNamespace(user.getMetadata().getNamespace())
            .withName(user.getSpec().passwordSecretRef.name)
            .get();
    if (secret != null) {
      passwordSecretVersions.remember(secret);
    }
    return Optional.ofNullable(secret);
  }

  /** A version of a registry's htpasswd file, and the lines of the version before it. */
  /** The registry's users whose line changed, or all of them when the file is new to us. */
  private Set<ResourceID> usersWhoseLineChanged(Secret htpasswdSecret) {
    Optional<Set<String>> changed = htpasswdVersions.changedUsernames(htpasswdSecret);
    if (changed.isEmpty()) {
      return usersOfRegistry(htpasswdSecret);
    }
    return ByRegistryLabel.registryOf(htpasswdSecret).stream()
        .flatMap(
            registry ->
                changed.get().stream()
                    .map(
                        username ->
                            registryKey(registry.getNamespace().orElseThrow(), registry.getName())
                                + "/"
                                + username))
        .flatMap(key -> users.byIndex(BY_USERNAME, key).stream())
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  private Set<ResourceID> usersOfRegistry(HasMetadata registryChild) {
    return ByRegistryLabel.registryOf(registryChild).stream()
        .flatMap(
            registry ->
                users
                    .byIndex(
                        BY_REGISTRY,
                        registryKey(registry.getNamespace().orElseThrow(), registry.getName()))
                    .stream())
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  private Set<ResourceID> usersSharingAUsername(RegistryUser user) {
    Set<String> usernames = new HashSet<>();
    usernames.add(Usernames.effective(user));
    ownSecret(user, UserSecretNames.of(user).entrySecret())
        .flatMap(EntrySecret::read)
        .ifPresent(entry -> usernames.add(entry.username()));
    return usernames.stream()
        .flatMap(username -> users.byIndex(BY_USERNAME, usernameKey(user, username)).stream())
        .filter(other -> !other.getMetadata().getName().equals(user.getMetadata().getName()))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  private static Set<ResourceID> idsOf(List<RegistryUser> matches) {
    return matches.stream().map(ResourceID::fromResource).collect(Collectors.toSet());
  }

  private static String registryKey(RegistryUser user) {
    return registryKey(user.getMetadata().getNamespace(), user.getSpec().registryRef);
  }

  private static String registryKey(String namespace, String registry) {
    return namespace + "/" + registry;
  }

  private static String usernameKey(RegistryUser user, String username) {
    return registryKey(user) + "/" + username;
  }

  private static <R extends HasMetadata> boolean specChanged(R updated, R previous) {
    return !Objects.equals(
        updated.getMetadata().getGeneration(), previous.getMetadata().getGeneration());
  }
}
