package dev.registryoperator.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.javaoperatorsdk.operator.api.config.informer.FieldSelector;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Activation condition: the CRD of the dependent's kind is installed in the cluster and served
 * (Established). The CRDs of the optional integrations (cert-manager, the Prometheus Operator) are
 * watched, each by its name, so one installed or removed a day after the registries reaches them
 * within a second; only those CRDs are cached, not every CRD of the cluster (each carries its whole
 * schema).
 */
public class CrdInstalled<R extends HasMetadata, P extends HasMetadata> implements Condition<R, P> {

  @Override
  public boolean isMet(DependentResource<R, P> dependent, P primary, Context<P> context) {
    return installed(context, HasMetadata.getFullResourceName(dependent.resourceType()));
  }

  /** Whether the watched CRD of this name ({@code plural.group}) is installed. */
  public static boolean installed(Context<?> context, String crd) {
    // Read from the informer's cache: a registry created after the CRD's event is in no index.
    var watched =
        (InformerEventSource<CustomResourceDefinition, ?>)
            context.eventSourceRetriever().getEventSourceFor(CustomResourceDefinition.class, crd);
    return watched.get(new ResourceID(crd)).filter(CrdInstalled::established).isPresent();
  }

  /**
   * Whether the API server serves the CRD's kind: a CRD just created is not served yet, and an
   * informer started on its kind then would fail its first list.
   */
  static boolean established(CustomResourceDefinition crd) {
    return crd.getStatus() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(
                condition ->
                    "Established".equals(condition.getType())
                        && "True".equals(condition.getStatus()));
  }

  /**
   * The event source that watches one CRD, named after it: its appearance or removal reconciles the
   * primaries that {@code concerned} selects.
   */
  public static <P extends HasMetadata> InformerEventSource<CustomResourceDefinition, P> watch(
      Class<P> primaryType, String crd, Predicate<P> concerned, EventSourceContext<P> context) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(CustomResourceDefinition.class, primaryType)
            .withName(crd)
            // Cluster-scoped: one informer, whatever namespaces the controller watches.
            .withNamespaces(Set.of(Constants.WATCH_ALL_NAMESPACES))
            .withFieldSelector(new FieldSelector(new FieldSelector.Field("metadata.name", crd)))
            // Of a CRD's changes only its becoming served (or no longer) matters here.
            .withOnUpdateFilter(
                (updated, previous) -> established(updated) != established(previous))
            .withSecondaryToPrimaryMapper(
                (CustomResourceDefinition ignored) ->
                    context
                        .getPrimaryCache()
                        .list(concerned)
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .build(),
        context);
  }
}
