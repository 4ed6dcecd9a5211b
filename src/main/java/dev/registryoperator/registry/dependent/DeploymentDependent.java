package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.Hashes;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.RegistryDeployment;
import dev.registryoperator.registry.model.TlsMaterial;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.Objects;

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
    RegistryInputs inputs = RegistryInputs.of(context);
    String httpSecretHash =
        inputs
            .httpSecret()
            .flatMap(secret -> SecretData.decode(secret, Keys.HTTP_SECRET))
            .map(Hashes::shortSha256)
            .orElse(null);
    String servedSecret =
        inputs
            .externalTlsSecret()
            .map(secret -> secret.getMetadata().getName())
            .orElse(RegistryNames.of(registry).tlsSecret());
    return RegistryDeployment.render(
        registry,
        servedSecret,
        servedCertificateHash(inputs),
        httpSecretHash,
        inputs.operatorImage(),
        inputs.mode());
  }

  /**
   * Records a roll for a certificate the operator did not issue (its own have their Events from
   * ServingSecretDependent).
   */
  @Override
  public Deployment update(
      Deployment actual,
      Deployment desired,
      PrivateRegistry registry,
      Context<PrivateRegistry> context) {
    Deployment updated = super.update(actual, desired, registry, context);
    RegistryInputs inputs = RegistryInputs.of(context);
    inputs
        .externalTlsSecret()
        .filter(secret -> !Objects.equals(tlsHashOf(actual), tlsHashOf(desired)))
        .ifPresent(
            secret ->
                inputs.changes().recordExternalCertificateLoaded(secret.getMetadata().getName()));
    return updated;
  }

  private static String tlsHashOf(Deployment deployment) {
    var annotations = deployment.getSpec().getTemplate().getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(Keys.TLS_HASH_ANNOTATION);
  }

  /**
   * The certificate the pod serves: the user's or cert-manager's Secret, or the one from our CA.
   */
  private static String servedCertificateHash(RegistryInputs inputs) {
    return inputs.externalTlsSecret().or(inputs::servingSecret).map(TlsMaterial::hash).orElse(null);
  }
}
