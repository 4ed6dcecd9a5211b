package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.Hashes;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.RegistryDeployment;
import dev.registryoperator.registry.model.TlsMaterial;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class DeploymentDependent extends RegistryChildDependent<Deployment> {

  public DeploymentDependent() {
    super(Deployment.class);
  }

  @Override
  String childName(RegistryNames names) {
    return names.deployment();
  }

  @Override
  protected Deployment desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    String httpSecretHash =
        Secondaries.named(context, Secret.class, RegistryNames.of(registry).httpSecret())
            .flatMap(secret -> SecretData.decode(secret, RegistryNames.HTTP_SECRET_KEY))
            .map(Hashes::shortSha256)
            .orElse(null);
    return RegistryDeployment.render(
        registry, servedCertificateHash(registry, context), httpSecretHash);
  }

  /** The certificate the pod serves: the user's Secret, or the one from our CA. */
  private static String servedCertificateHash(
      PrivateRegistry registry, Context<PrivateRegistry> context) {
    Secret userSecret = ReconcileInputs.of(context).userTlsSecret();
    if (userSecret != null) {
      return TlsMaterial.hash(userSecret);
    }
    return Secondaries.named(context, Secret.class, RegistryNames.of(registry).tlsSecret())
        .map(TlsMaterial::hash)
        .orElse(null);
  }
}
