package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.NamedChildDependent;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.GarbageCollectionJob;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;

/**
 * The garbage collection Job, while a window wants it. Created, never updated (a Job's pod template
 * cannot change, and a spec edited during a run must not stop it with a refused update), and
 * deleted when the window no longer wants it; deleting it deletes its pod too.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class GarbageCollectionJobDependent extends KubernetesDependentResource<Job, PrivateRegistry>
    implements Creator<Job, PrivateRegistry>, GarbageCollected<PrivateRegistry> {

  public GarbageCollectionJobDependent() {
    super(Job.class);
  }

  @Override
  protected Job desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    return GarbageCollectionJob.render(registry);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      PrivateRegistry registry, Context<PrivateRegistry> context) {
    return NamedChildDependent.idInNamespaceOf(
        registry, RegistryNames.of(registry).garbageCollectionJob());
  }

  /**
   * In the background, explicitly: without a propagation policy the API server orphans a Job's pods
   * (the batch/v1 default, kept for compatibility), and the collector's pod would outlive its Job.
   */
  @Override
  protected void handleDelete(PrivateRegistry registry, Job job, Context<PrivateRegistry> context) {
    if (job != null) {
      context
          .getClient()
          .resource(job)
          .withPropagationPolicy(DeletionPropagation.BACKGROUND)
          .delete();
    }
  }

  /** Reconcile precondition: the window is collecting. Otherwise an existing Job goes. */
  public static class CollectionWanted implements Condition<Job, PrivateRegistry> {
    @Override
    public boolean isMet(
        DependentResource<Job, PrivateRegistry> dependent,
        PrivateRegistry registry,
        Context<PrivateRegistry> context) {
      return RegistryInputs.of(context).collectionJobWanted();
    }
  }
}
