package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistryStatus;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.dependent.Secondaries;
import dev.registryoperator.registry.model.RegistryIngress;
import dev.registryoperator.registry.model.RegistryService;
import dev.registryoperator.registry.model.TlsMaterial;
import dev.registryoperator.status.Conditions;
import dev.registryoperator.status.StatusPatches;
import dev.registryoperator.tls.Pem;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/** Builds a registry's status from what the reconcile observed. */
final class RegistryStatus {

  private RegistryStatus() {}

  static PrivateRegistryStatus of(
      PrivateRegistry registry,
      Context<PrivateRegistry> context,
      Secret userTlsSecret,
      int readyUsers,
      Clock clock) {
    RegistryNames names = RegistryNames.of(registry);
    PrivateRegistryStatus status =
        StatusPatches.copy(registry.getStatus(), PrivateRegistryStatus.class, PrivateRegistryStatus::new);
    status.observedGeneration = registry.getMetadata().getGeneration();
    status.url = RegistryService.url(registry);
    status.externalUrl = registry.getSpec().ingress == null ? null : RegistryIngress.externalUrl(registry);
    status.caBundleConfigMap =
        Secondaries.named(context, ConfigMap.class, names.caBundleConfigMap()).isPresent()
            ? names.caBundleConfigMap()
            : null;
    Secret served =
        userTlsSecret != null
            ? userTlsSecret
            : Secondaries.named(context, Secret.class, names.tlsSecret()).orElse(null);
    status.certificateExpiry = certificateExpiry(served).orElse(null);
    status.users = readyUsers;

    Optional<Deployment> deployment = Secondaries.named(context, Deployment.class, names.deployment());
    boolean available = deployment.map(RegistryStatus::available).orElse(false);
    String message =
        available
            ? "The registry is serving at " + status.url + "."
            : "Waiting for the registry pod to become available ("
                + deployment.map(d -> d.getStatus() == null ? null : d.getStatus().getAvailableReplicas())
                    .map(Objects::toString)
                    .orElse("0")
                + "/1 available).";
    status.conditions =
        Conditions.with(
            status.conditions,
            Conditions.READY,
            available,
            available ? "Available" : "DeploymentUnavailable",
            message,
            registry.getMetadata().getGeneration(),
            clock.instant());
    return status;
  }

  static boolean available(Deployment deployment) {
    return deployment.getStatus() != null
        && deployment.getStatus().getConditions().stream()
            .anyMatch(c -> "Available".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static Optional<String> certificateExpiry(Secret served) {
    return SecretData.decode(served, TlsMaterial.CERT_KEY)
        .flatMap(
            pem -> {
              try {
                return Optional.of(Pem.certificate(pem).getNotAfter().toInstant().toString());
              } catch (IllegalArgumentException e) {
                return Optional.empty();
              }
            });
  }
}
