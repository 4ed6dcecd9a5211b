package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.IssuedCertificate;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * The registry's cert-manager Certificate (spec.tls.issuerRef). Its activation condition (the
 * Certificate CRD exists) keeps it, and its watch, out of clusters without cert-manager; its watch
 * also wakes the registry when cert-manager reports on the Certificate.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class CertificateDependent extends RegistryChildDependent<Certificate> {

  public CertificateDependent() {
    super(Certificate.class);
  }

  @Override
  String childName(RegistryNames names) {
    return names.certificate();
  }

  @Override
  protected Certificate desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    return IssuedCertificate.render(registry);
  }

  /**
   * Reconcile precondition: the user named an issuer. Without one, an existing Certificate goes.
   */
  public static class IssuerRequested implements Condition<Certificate, PrivateRegistry> {
    @Override
    public boolean isMet(
        DependentResource<Certificate, PrivateRegistry> dependent,
        PrivateRegistry registry,
        Context<PrivateRegistry> context) {
      return registry.getSpec().tls.issuerRef != null;
    }
  }
}
