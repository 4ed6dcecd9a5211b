package dev.registryoperator.registry;

import dev.registryoperator.access.RepositoryPattern;
import dev.registryoperator.api.v1alpha1.AuthSpec.AuthMode;
import dev.registryoperator.api.v1alpha1.ContainerResources;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistrySpec;
import dev.registryoperator.api.v1alpha1.ServiceSpec.ServiceType;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.Ports;
import dev.registryoperator.status.Problem;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Checks the structural schema cannot express. The cross-field ones are also CEL rules in the CRD,
 * which servers from 1.25 enforce at apply; older servers drop those rules, so they are kept here.
 * Everything here is the user's to fix: no retry helps.
 */
public final class RegistryValidation {

  /** The registry's name is its Service's name, and Service names are DNS-1035 labels. */
  private static final Pattern DNS_1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");

  private static final int MAX_SERVICE_NAME = 63;

  public static final String SCHEDULE_INVALID = "GarbageCollectionScheduleInvalid";

  private static final Pattern QUANTITY = Pattern.compile(ContainerResources.QUANTITY);

  private RegistryValidation() {}

  public static Optional<Problem> validate(PrivateRegistry registry) {
    String name = registry.getMetadata().getName();
    if (!DNS_1035_LABEL.matcher(name).matches()) {
      return Optional.of(
          new Problem(
              "InvalidName",
              "The name '"
                  + name
                  + "' cannot name a Service: use at most 63 lowercase letters, digits and '-',"
                  + " starting with a letter."));
    }
    // Children add suffixes to the name; the longest must still name a Service.
    String longestServiceName = RegistryNames.of(name).metricsService();
    if (longestServiceName.length() > MAX_SERVICE_NAME) {
      return Optional.of(
          new Problem(
              "InvalidName",
              "The name '"
                  + name
                  + "' is too long: its metrics Service '"
                  + longestServiceName
                  + "' cannot name a Service (at most "
                  + MAX_SERVICE_NAME
                  + " characters); use at most "
                  + (MAX_SERVICE_NAME - (longestServiceName.length() - name.length()))
                  + " characters."));
    }
    PrivateRegistrySpec spec = registry.getSpec();
    if (spec.proxy.port == Ports.METRICS) {
      return invalid(
          "spec.proxy.port cannot be "
              + Ports.METRICS
              + ": the proxy serves the registry's metrics on that port.");
    }
    if (spec.service.nodePort != null && spec.service.type == ServiceType.ClusterIP) {
      return invalid("spec.service.nodePort needs spec.service.type NodePort or LoadBalancer.");
    }
    if (spec.storage.existingClaim != null && spec.storage.deleteClaim) {
      return invalid(
          "spec.storage.deleteClaim cannot be true with spec.storage.existingClaim: the operator"
              + " never deletes a claim it did not create.");
    }
    if (spec.tls.secretName != null && spec.tls.issuerRef != null) {
      return invalid(
          "spec.tls.secretName and spec.tls.issuerRef exclude each other: serve your own Secret, or"
              + " let cert-manager issue one.");
    }
    if (spec.tls.renewBeforeDays >= spec.tls.validityDays) {
      return invalid(
          "spec.tls.renewBeforeDays ("
              + spec.tls.renewBeforeDays
              + ") must be less than spec.tls.validityDays ("
              + spec.tls.validityDays
              + "), or the certificate would be renewed on every reconcile.");
    }
    Optional<Problem> quantity =
        quantityProblem("registry", spec.resources.registry)
            .or(() -> quantityProblem("proxy", spec.resources.proxy));
    if (quantity.isPresent()) {
      return quantity;
    }
    if (spec.auth.mode == AuthMode.ExternalToken && spec.auth.externalToken == null) {
      return invalid("spec.auth.mode ExternalToken needs spec.auth.externalToken.");
    }
    if (spec.auth.anonymousPull != null) {
      for (String pattern : spec.auth.anonymousPull) {
        if (!RepositoryPattern.isValid(pattern)) {
          return invalid(
              "spec.auth.anonymousPull has an entry that is not a repository pattern: "
                  + RepositoryPattern.RULE
                  + ".");
        }
      }
    }
    String schedule = GarbageCollection.schedule(registry);
    if (schedule != null) {
      Optional<String> scheduleProblem = CollectionSchedule.problem(schedule);
      if (scheduleProblem.isPresent()) {
        return Optional.of(
            new Problem(
                SCHEDULE_INVALID,
                "spec.maintenance.garbageCollection.schedule '"
                    + schedule
                    + "' is not a 5-field cron schedule (minute hour day-of-month month"
                    + " day-of-week, in UTC): "
                    + scheduleProblem.get()));
      }
    }
    return NetworkPolicyPeers.check(spec.networkPolicy);
  }

  /**
   * What the state of the registry's inputs beyond its spec rules out: the user's TLS Secret, an
   * issuer where cert-manager is not installed, the CA Secret, an existing claim that is missing or
   * another registry's, a change of the data claim the API server cannot make, an external token
   * server's certificates.
   */
  static Optional<Problem> validate(
      PrivateRegistry registry, RegistryObservation seen, Instant now) {
    RegistryNames names = RegistryNames.of(registry);
    return UserTlsSecrets.check(registry.getSpec().tls.secretName, seen.userTlsSecret(), now)
        .or(
            () ->
                IssuedTlsSecrets.notInstalled(
                    registry.getSpec().tls.issuerRef != null, seen.certManagerInstalled()))
        .or(
            () ->
                CaSecrets.check(
                    names.caSecret(), seen.caSecret().orElse(null), names.caBundleConfigMap()))
        .or(() -> ExistingClaims.check(registry, seen.existingClaim(), seen.registries()))
        .or(() -> ClaimChanges.check(registry, seen.claim().orElse(null), seen.storageClasses()))
        .or(() -> ExternalTokenTrust.check(registry.getSpec(), seen.tokenTrustSecret()));
  }

  /**
   * The schema cannot check the values of a map of quantities: one the API server cannot read would
   * fail the Deployment on every reconcile.
   */
  private static Optional<Problem> quantityProblem(String container, ContainerResources resources) {
    if (resources == null) {
      return Optional.empty();
    }
    Map<String, Map<String, IntOrString>> lists = new TreeMap<>();
    if (resources.requests != null) {
      lists.put("requests", resources.requests);
    }
    if (resources.limits != null) {
      lists.put("limits", resources.limits);
    }
    for (var list : lists.entrySet()) {
      for (var entry : new TreeMap<>(list.getValue()).entrySet()) {
        if (!QUANTITY.matcher(ContainerResources.text(entry.getValue())).matches()) {
          return invalid(
              "spec.resources."
                  + container
                  + "."
                  + list.getKey()
                  + "."
                  + entry.getKey()
                  + " is not a quantity (such as 250m, 128Mi or 2).");
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<Problem> invalid(String message) {
    return Optional.of(new Problem("InvalidSpec", message));
  }
}
