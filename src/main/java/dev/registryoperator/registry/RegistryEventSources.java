package dev.registryoperator.registry;

import dev.registryoperator.api.prometheus.ServiceMonitor;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.ByRegistryLabel;
import dev.registryoperator.kube.CrdInstalled;
import dev.registryoperator.kube.ReferencedMetadataStore;
import dev.registryoperator.kube.TrimmedItemStore;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.naming.UserSecretNames;
import dev.registryoperator.nodeagent.NodeReport;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.EventSourceStartPriority;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What wakes a registry, beyond the children its dependents watch themselves: its Secrets and
 * ConfigMaps (one watch per kind, shared by the dependents), its users, and the CRDs of the
 * optional integrations. Every event is routed by data - the registry label on our objects, a
 * user's spec.registryRef - never by a status field.
 */
final class RegistryEventSources {

  static final String SECRETS = "registry-secrets";
  static final String CONFIG_MAPS = "registry-configmaps";
  static final String NODE_REPORTS = "node-reports";
  static final String SERVED_TLS_SECRETS = "registry-served-tls-secrets";

  private static final String BY_SERVED_TLS_SECRET = "by-served-tls-secret";

  private RegistryEventSources() {}

  /**
   * @param nodeAgentNamespace where the node agents' reports are, or null without --node-agent
   */
  static List<EventSource<?, PrivateRegistry>> create(
      EventSourceContext<PrivateRegistry> context, String nodeAgentNamespace) {
    // The registry's generated Secrets and its users' htpasswd entries (the entries are owned by
    // their RegistryUser and found by the registry label). Users' passwords and pull Secrets are
    // not in this cache.
    InformerEventSource<Secret, PrivateRegistry> secrets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, PrivateRegistry.class)
                .withName(SECRETS)
                .withLabelSelector(
                    Labels.managedSelectorExcluding(
                        Components.USER_CREDENTIALS, Components.USER_PULL_SECRET))
                .withSecondaryToPrimaryMapper(ByRegistryLabel::registryOf)
                .withItemStore(TrimmedItemStore.forEventSourceOf(context))
                .build(),
            context);
    // The users' mapper below reads this cache: it has to be filled before the users' informer
    // delivers its first list, or the mapper meets a source that has not started (JOSDK starts the
    // other sources side by side, and an operator start then failed now and then).
    secrets.setEventSourcePriority(EventSourceStartPriority.RESOURCE_STATE_LOADER);
    var configMaps =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ConfigMap.class, PrivateRegistry.class)
                .withName(CONFIG_MAPS)
                .withLabelSelector(Labels.MANAGED_SELECTOR)
                .withSecondaryToPrimaryMapper(ByRegistryLabel::registryOf)
                .withItemStore(TrimmedItemStore.forEventSourceOf(context))
                .build(),
            context);
    // A user concerns the registry its spec names, and the one its entry still lists it in: after
    // a change of spec.registryRef that entry names the registry the user is leaving. A user's
    // status changes never change the file.
    var users =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(RegistryUser.class, PrivateRegistry.class)
                .withOnUpdateFilter(
                    (updated, previous) ->
                        !Objects.equals(
                            updated.getMetadata().getGeneration(),
                            previous.getMetadata().getGeneration()))
                .withSecondaryToPrimaryMapper((RegistryUser user) -> registriesOf(user, secrets))
                .withItemStore(TrimmedItemStore.forEventSourceOf(context))
                .build(),
            context);
    var servedTlsSecrets = servedTlsSecrets(context);
    // cert-manager or the Prometheus Operator installed (or removed) after the registries.
    var certificateCrd =
        CrdInstalled.watch(
            PrivateRegistry.class,
            IssuedTlsSecrets.CERTIFICATE_CRD,
            registry -> registry.getSpec().tls.issuerRef != null,
            context);
    var serviceMonitorCrd =
        CrdInstalled.watch(
            PrivateRegistry.class,
            HasMetadata.getFullResourceName(ServiceMonitor.class),
            registry -> true,
            context);
    List<EventSource<?, PrivateRegistry>> sources =
        new ArrayList<>(
            List.of(
                secrets, configMaps, users, servedTlsSecrets, certificateCrd, serviceMonitorCrd));
    if (nodeAgentNamespace == null) {
      return sources;
    }
    // A node's report concerns the registries it lists; one that appears or goes (with its node)
    // changes every registry's node count, which the periodic pass catches up with.
    var nodeReports =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ConfigMap.class, PrivateRegistry.class)
                .withName(NODE_REPORTS)
                .withNamespaces(Set.of(nodeAgentNamespace))
                .withLabelSelector(NodeReport.SELECTOR)
                .withSecondaryToPrimaryMapper(RegistryEventSources::registriesIn)
                .withItemStore(TrimmedItemStore.forEventSourceOf(context))
                .build(),
            context);
    sources.add(nodeReports);
    return sources;
  }

  /**
   * TLS Secrets the operator does not make but serves: the user's (spec.tls.secretName) and the one
   * cert-manager writes (spec.tls.issuerRef). A change - a rotation, a renewal, the first issuance
   * - wakes the registries that name it, so the proxy rolls within seconds. The watch sees every
   * Secret, but the cache keeps only the referenced ones, and of those only name and version: the
   * reconcile reads the content with a GET. They are no children of the registry: the mapper back
   * from a registry finds none, so nothing reads them as such.
   */
  private static InformerEventSource<Secret, PrivateRegistry> servedTlsSecrets(
      EventSourceContext<PrivateRegistry> context) {
    var registries = context.getPrimaryCache();
    registries.addIndexer(
        BY_SERVED_TLS_SECRET,
        registry ->
            servedTlsSecretName(registry)
                .map(
                    name ->
                        List.of(
                            ReferencedMetadataStore.key(
                                registry.getMetadata().getNamespace(), name)))
                .orElse(List.of()));
    var versions =
        new ReferencedMetadataStore<Secret>(
            key -> !registries.byIndex(BY_SERVED_TLS_SECRET, key).isEmpty(), Secret::new);
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Secret.class, PrivateRegistry.class)
            .withName(SERVED_TLS_SECRETS)
            .withItemStore(versions)
            .withSecondaryToPrimaryMapper(
                secret ->
                    registries.byIndex(BY_SERVED_TLS_SECRET, versions.getKey(secret)).stream()
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .withPrimaryToSecondaryMapper(registry -> Set.of())
            .build(),
        context);
  }

  /** The Secret the registry serves that someone else writes, if it names one. */
  static Optional<String> servedTlsSecretName(PrivateRegistry registry) {
    if (registry.getSpec().tls.secretName != null) {
      return Optional.of(registry.getSpec().tls.secretName);
    }
    if (registry.getSpec().tls.issuerRef != null) {
      return Optional.of(RegistryNames.of(registry).issuedTlsSecret());
    }
    return Optional.empty();
  }

  /** Every node's report: each registry counts them all. */
  @SuppressWarnings("unchecked")
  static List<ConfigMap> nodeReports(Context<PrivateRegistry> context, String namespace) {
    var reports =
        (InformerEventSource<ConfigMap, PrivateRegistry>)
            context.eventSourceRetriever().getEventSourceFor(ConfigMap.class, NODE_REPORTS);
    return reports.list(namespace).toList();
  }

  private static Set<ResourceID> registriesIn(ConfigMap report) {
    Set<ResourceID> registries = new HashSet<>();
    for (String registry : NodeReport.configured(report).keySet()) {
      int slash = registry.indexOf('/');
      if (slash > 0) {
        registries.add(new ResourceID(registry.substring(slash + 1), registry.substring(0, slash)));
      }
    }
    return registries;
  }

  private static Set<ResourceID> registriesOf(
      RegistryUser user, InformerEventSource<Secret, PrivateRegistry> secrets) {
    String namespace = user.getMetadata().getNamespace();
    Set<ResourceID> registries = new HashSet<>();
    if (user.getSpec() != null && user.getSpec().registryRef != null) {
      registries.add(new ResourceID(user.getSpec().registryRef, namespace));
    }
    secrets
        .get(new ResourceID(UserSecretNames.of(user).entrySecret(), namespace))
        .map(ByRegistryLabel::registryOf)
        .ifPresent(registries::addAll);
    return registries;
  }
}
