package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.TlsMaterial;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import java.util.Optional;

/**
 * The CA certificate clients must trust: the operator's CA, or the ca.crt of the Secret served
 * instead (the user's, or cert-manager's: its issuer's CA). Absent when that Secret has no ca.crt
 * (its issuer is then publicly trusted or known to clients some other way).
 */
public class CaBundleDependent extends RegistryChildDependent<ConfigMap> {

  public CaBundleDependent() {
    super(ConfigMap.class);
  }

  @Override
  String childName(RegistryNames names) {
    return names.caBundleConfigMap();
  }

  @Override
  protected ConfigMap desired(PrivateRegistry registry, Context<PrivateRegistry> context) {
    return TlsMaterial.caBundle(registry, caPem(registry, context).orElseThrow());
  }

  static Optional<String> caPem(PrivateRegistry registry, Context<PrivateRegistry> context) {
    RegistryInputs inputs = RegistryInputs.of(context);
    if (inputs.externalTlsSecret().isPresent()) {
      return inputs.externalTlsSecret().flatMap(secret -> SecretData.decode(secret, Keys.CA_CERT));
    }
    return inputs.caSecret().flatMap(ca -> SecretData.decode(ca, Keys.TLS_CERT));
  }

  /** Reconcile precondition: there is a CA to publish. */
  public static class CaKnown implements Condition<ConfigMap, PrivateRegistry> {
    @Override
    public boolean isMet(
        DependentResource<ConfigMap, PrivateRegistry> dependent,
        PrivateRegistry registry,
        Context<PrivateRegistry> context) {
      return caPem(registry, context).isPresent();
    }
  }
}
