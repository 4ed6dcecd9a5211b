package dev.registryoperator.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * A child kept equal to its rendering, deleted with its owner, and found by a name that follows
 * from the owner alone.
 */
public abstract class NamedChildDependent<R extends HasMetadata, P extends HasMetadata>
    extends CRUDKubernetesDependentResource<R, P> {

  protected NamedChildDependent(Class<R> type) {
    super(type);
  }

  /** The child's name, derived from its owner. */
  protected abstract String targetName(P primary);

  /** Find the child by name: the default renders the whole desired object just to learn it. */
  @Override
  protected ResourceID targetSecondaryResourceID(P primary, Context<P> context) {
    return idInNamespaceOf(primary, targetName(primary));
  }

  /** The id of a child with this name in the owner's namespace. */
  public static ResourceID idInNamespaceOf(HasMetadata owner, String name) {
    return new ResourceID(name, owner.getMetadata().getNamespace());
  }
}
