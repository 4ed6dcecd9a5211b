package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.AuthSpec;
import dev.registryoperator.api.v1alpha1.NodeAccessStatus;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistryStatus;
import dev.registryoperator.api.v1alpha1.StorageStatus;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.dependent.RegistryInputs;
import dev.registryoperator.registry.model.DataMode;
import dev.registryoperator.registry.model.RegistryClaim;
import dev.registryoperator.registry.model.RegistryIngress;
import dev.registryoperator.registry.model.RegistryService;
import dev.registryoperator.status.Conditions;
import dev.registryoperator.status.Problem;
import dev.registryoperator.status.StatusPatches;
import dev.registryoperator.tls.Pem;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Builds a registry's status from what the reconcile observed; pure, the clock included. */
final class RegistryStatus {

  /**
   * What the status is made of, as the reconcile left the children.
   *
   * @param servedCertificate the Secret whose certificate the pod serves (the user's,
   *     cert-manager's or ours)
   * @param certificatePending with spec.tls.issuerRef, why cert-manager's certificate is not served
   *     yet; empty once it is, and without issuerRef
   * @param caBundlePublished whether the CA bundle ConfigMap exists
   * @param listedUsers the number of users in the htpasswd file
   * @param nodeAccess what the node agents need and report; empty without --node-agent
   * @param claim the claim the pod mounts (the operator's own once created, or the adopted one)
   * @param mode the mode the registry's configuration was rendered in: read-only during a garbage
   *     collection's window
   */
  record Observed(
      Optional<Deployment> deployment,
      Optional<Secret> servedCertificate,
      Optional<Problem> certificatePending,
      boolean caBundlePublished,
      int listedUsers,
      Optional<NodeAccessStatus> nodeAccess,
      Optional<PersistentVolumeClaim> claim,
      DataMode mode) {

    static Observed from(
        RegistryInputs inputs,
        Optional<PersistentVolumeClaim> claim,
        Optional<Problem> certificatePending,
        int listedUsers,
        Optional<NodeAccessStatus> nodeAccess) {
      return new Observed(
          inputs.deployment(),
          inputs.externalTlsSecret().or(inputs::servingSecret),
          certificatePending,
          inputs.caBundle().isPresent(),
          listedUsers,
          nodeAccess,
          claim,
          inputs.mode());
    }
  }

  private RegistryStatus() {}

  /** Clients follow the registry's challenge; this says where it sends them from the Service. */
  private static String tokenRealm(PrivateRegistry registry) {
    AuthSpec auth = registry.getSpec().auth;
    return switch (auth.mode) {
      case Basic -> null;
      case Token -> RegistryService.url(registry) + "/token";
      case ExternalToken -> auth.externalToken == null ? null : auth.externalToken.realm;
    };
  }

  static PrivateRegistryStatus of(PrivateRegistry registry, Observed observed, Clock clock) {
    RegistryNames names = RegistryNames.of(registry);
    PrivateRegistryStatus status =
        StatusPatches.copy(
            registry.getStatus(), PrivateRegistryStatus.class, PrivateRegistryStatus::new);
    status.observedGeneration = registry.getMetadata().getGeneration();
    status.url = RegistryService.url(registry);
    status.externalUrl =
        registry.getSpec().ingress == null ? null : RegistryIngress.externalUrl(registry);
    status.caBundleConfigMap = observed.caBundlePublished() ? names.caBundleConfigMap() : null;
    status.certificateExpiry =
        observed.servedCertificate().flatMap(RegistryStatus::certificateExpiry).orElse(null);
    status.users = observed.listedUsers();
    status.authMode = registry.getSpec().auth.mode.name();
    status.tokenRealm = tokenRealm(registry);
    status.nodeAccess = observed.nodeAccess().orElse(null);
    status.storage = storage(registry, observed.claim());

    Optional<Deployment> deployment = observed.deployment();
    boolean available = deployment.map(RegistryStatus::available).orElse(false);
    String message =
        available
            ? "The registry is serving at "
                + status.url
                + (observed.mode() == DataMode.READ_ONLY
                    ? ", read-only while garbage collection runs: pushes are refused."
                    : ".")
            : "Waiting for the registry pod to become available ("
                + deployment
                    .map(d -> d.getStatus() == null ? null : d.getStatus().getAvailableReplicas())
                    .map(Objects::toString)
                    .orElse("0")
                + "/1 available).";
    // Serving the operator's certificate while cert-manager's was asked for is not Ready: clients
    // that trust only the issuer would refuse it.
    boolean ready = available && observed.certificatePending().isEmpty();
    status.conditions =
        Conditions.with(
            status.conditions,
            Conditions.READY,
            ready,
            observed
                .certificatePending()
                .map(Problem::reason)
                .orElse(available ? "Available" : "DeploymentUnavailable"),
            observed.certificatePending().map(Problem::message).orElse(message),
            registry.getMetadata().getGeneration(),
            clock.instant());
    return status;
  }

  /** The claim's name always; its phase, capacity and request once the claim is seen. */
  private static StorageStatus storage(
      PrivateRegistry registry, Optional<PersistentVolumeClaim> dataClaim) {
    StorageStatus storage = new StorageStatus();
    storage.claim = RegistryClaim.claimName(registry);
    dataClaim.ifPresent(
        claim -> {
          if (claim.getStatus() != null) {
            storage.phase = claim.getStatus().getPhase();
            storage.capacity = quantity(claim.getStatus().getCapacity());
          }
          if (claim.getSpec() != null && claim.getSpec().getResources() != null) {
            storage.requested = quantity(claim.getSpec().getResources().getRequests());
          }
        });
    return storage;
  }

  private static String quantity(Map<String, Quantity> resources) {
    Quantity storage = resources == null ? null : resources.get(Keys.STORAGE_RESOURCE);
    return storage == null ? null : storage.toString();
  }

  static boolean available(Deployment deployment) {
    return deployment.getStatus() != null
        && deployment.getStatus().getConditions().stream()
            .anyMatch(c -> "Available".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static Optional<String> certificateExpiry(Secret served) {
    return SecretData.decode(served, Keys.TLS_CERT)
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
