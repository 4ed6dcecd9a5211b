package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.AuthFiles;
import dev.registryoperator.registry.model.DataMode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Clock;
import java.util.Optional;

/**
 * The one place the registry's dependents read from: what the reconciler observed before the
 * workflow (the TLS Secret served instead of the operator's own, the htpasswd file it assembled,
 * the clock), and the registry's own children as they are now - including one an earlier step of
 * this same workflow has just created, which is why children are read from the cache on demand, not
 * captured upfront. The dependents are created by the framework and cannot take constructor
 * arguments, so this travels in the workflow context.
 */
public final class RegistryInputs {

  private static final String KEY = RegistryInputs.class.getName();

  private final Clock clock;
  private final Secret externalTlsSecret;
  private final AuthFiles authFiles;
  private final String operatorImage;
  private final DataMode mode;
  private final boolean collectionJobWanted;
  private final Context<PrivateRegistry> context;
  private final RegistryNames names;
  private final AppliedChanges changes = new AppliedChanges();

  /**
   * @param externalTlsSecret the Secret served instead of the operator's own certificate - the
   *     user's (spec.tls.secretName) or cert-manager's once it can be served (spec.tls.issuerRef) -
   *     or null while the operator's own is served
   * @param authFiles htpasswd and access rules, assembled from the registry's users
   * @param operatorImage the image the operator runs, which holds the auth server too
   * @param mode read-only during a garbage collection's window, read-write otherwise
   * @param collectionJobWanted whether the garbage collection Job should exist now
   */
  public RegistryInputs(
      PrivateRegistry registry,
      Context<PrivateRegistry> context,
      Clock clock,
      Secret externalTlsSecret,
      AuthFiles authFiles,
      String operatorImage,
      DataMode mode,
      boolean collectionJobWanted) {
    this.clock = clock;
    this.mode = mode;
    this.collectionJobWanted = collectionJobWanted;
    this.externalTlsSecret = externalTlsSecret;
    this.authFiles = authFiles;
    this.operatorImage = operatorImage;
    this.context = context;
    this.names = RegistryNames.of(registry);
  }

  public void attachTo(Context<PrivateRegistry> context) {
    context.managedWorkflowAndDependentResourceContext().put(KEY, this);
  }

  public static RegistryInputs of(Context<PrivateRegistry> context) {
    return context
        .managedWorkflowAndDependentResourceContext()
        .getMandatory(KEY, RegistryInputs.class);
  }

  public Clock clock() {
    return clock;
  }

  /** The Secret served instead of the operator's own certificate, when there is one. */
  public Optional<Secret> externalTlsSecret() {
    return Optional.ofNullable(externalTlsSecret);
  }

  public AuthFiles authFiles() {
    return authFiles;
  }

  public String operatorImage() {
    return operatorImage;
  }

  public DataMode mode() {
    return mode;
  }

  public boolean collectionJobWanted() {
    return collectionJobWanted;
  }

  /** What the workflow's dependents created or changed, for the reconciler's Events. */
  public AppliedChanges changes() {
    return changes;
  }

  public Optional<Secret> caSecret() {
    return child(context, Secret.class, names.caSecret());
  }

  /** The CA Secret, for the dependents that depend on "ca-secret": it exists by their turn. */
  public Secret requiredCaSecret() {
    return caSecret()
        .orElseThrow(() -> new IllegalStateException("CA Secret not yet in the cache"));
  }

  /** The serving certificate issued from the registry's CA. */
  public Optional<Secret> servingSecret() {
    return child(context, Secret.class, names.tlsSecret());
  }

  /** Token mode's signing key and certificate. */
  public Optional<Secret> tokenSigningSecret() {
    return child(context, Secret.class, names.tokenSigningSecret());
  }

  public Optional<Secret> httpSecret() {
    return child(context, Secret.class, names.httpSecret());
  }

  public Optional<ConfigMap> caBundle() {
    return child(context, ConfigMap.class, names.caBundleConfigMap());
  }

  public Optional<Service> service() {
    return child(context, Service.class, names.service());
  }

  public Optional<Deployment> deployment() {
    return child(context, Deployment.class, names.deployment());
  }

  /** The operator's own data claim; an adopted one (existingClaim) is not watched. */
  public Optional<PersistentVolumeClaim> claim() {
    return child(context, PersistentVolumeClaim.class, names.claim());
  }

  /** One of the registry's children by type and name; a live cache entry, never to be modified. */
  public static <R extends HasMetadata> Optional<R> child(
      Context<PrivateRegistry> context, Class<R> type, String name) {
    return context
        .getSecondaryResourcesAsStream(type)
        .filter(resource -> name.equals(resource.getMetadata().getName()))
        .findFirst();
  }
}
