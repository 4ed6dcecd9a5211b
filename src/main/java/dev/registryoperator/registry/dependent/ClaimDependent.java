package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.ByRegistryLabel;
import dev.registryoperator.kube.NamedChildDependent;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.RegistryClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import java.util.Set;

/**
 * The data claim. Deliberately neither garbage-collected nor a Deleter: the framework never deletes
 * it. Ownership (and with it deletion by Kubernetes) comes only from the rendering, when the user
 * set deleteClaim. The claim is found again by our registry label, not by an owner reference.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class ClaimDependent
    extends KubernetesDependentResource<PersistentVolumeClaim, PrivateRegistry>
    implements Creator<PersistentVolumeClaim, PrivateRegistry>,
        Updater<PersistentVolumeClaim, PrivateRegistry>,
        SecondaryToPrimaryMapper<PersistentVolumeClaim> {

  private static final int HTTP_UNPROCESSABLE_ENTITY = 422;

  public ClaimDependent() {
    super(PersistentVolumeClaim.class);
  }

  @Override
  protected PersistentVolumeClaim desired(
      PrivateRegistry registry, Context<PrivateRegistry> context) {
    return RegistryClaim.render(registry);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(
      PrivateRegistry primary, Context<PrivateRegistry> context) {
    return NamedChildDependent.idInNamespaceOf(primary, RegistryNames.of(primary).claim());
  }

  /**
   * The reconciler does not let through a change the API server is known to refuse (see
   * ClaimChanges); should one still be refused as invalid, it is reported as the user's to resolve,
   * in the server's own words, instead of being retried.
   */
  @Override
  public PersistentVolumeClaim update(
      PersistentVolumeClaim actual,
      PersistentVolumeClaim desired,
      PrivateRegistry registry,
      Context<PrivateRegistry> context) {
    try {
      return super.update(actual, desired, registry, context);
    } catch (KubernetesClientException refusal) {
      if (refusal.getCode() == HTTP_UNPROCESSABLE_ENTITY) {
        throw new ClaimUpdateRefused(actual.getMetadata().getName(), refusal);
      }
      throw refusal;
    }
  }

  /** No framework annotations or owner references: the rendering decides ownership. */
  @Override
  protected void addReferenceHandlingMetadata(
      PersistentVolumeClaim desired, PrivateRegistry primary) {}

  @Override
  public Set<ResourceID> toPrimaryResourceIDs(PersistentVolumeClaim claim) {
    return ByRegistryLabel.registryOf(claim);
  }

  /** Reconcile precondition: the registry did not adopt an existing claim. */
  public static class ClaimManaged implements Condition<PersistentVolumeClaim, PrivateRegistry> {
    @Override
    public boolean isMet(
        DependentResource<PersistentVolumeClaim, PrivateRegistry> dependent,
        PrivateRegistry registry,
        Context<PrivateRegistry> context) {
      return registry.getSpec().storage.existingClaim == null;
    }
  }
}
