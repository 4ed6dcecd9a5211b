package dev.registryoperator.registry.model;

import dev.registryoperator.api.v1alpha1.AuthSpec.AuthMode;
import dev.registryoperator.api.v1alpha1.ContainerResources;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistrySpec;
import dev.registryoperator.api.v1alpha1.StorageSpec.AccessMode;
import dev.registryoperator.kube.OwnedMetadata;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/** The registry's Deployment: the registry on loopback and the nginx proxy in one pod. */
public final class RegistryDeployment {

  public static final String REGISTRY_CONTAINER = "registry";
  public static final String PROXY_CONTAINER = "proxy";
  public static final String AUTH_CONTAINER = "auth";

  /** Where the operator image keeps its jar (see the Dockerfile). */
  static final String OPERATOR_JAR = "/app/registry-operator.jar";

  /** The operator image's user (see the Dockerfile). */
  static final long AUTH_UID = 65532;

  /**
   * A small heap and the serial collector keep the auth server near 64 MiB resident; C1 only makes
   * it ready within a second or two, and its work is short requests.
   */
  static final String AUTH_JAVA_OPTIONS =
      "-XX:+UseSerialGC -Xms8m -Xmx24m -Xss256k -XX:TieredStopAtLevel=1 -XX:-UsePerfData"
          + " -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=16m";

  /** The registry image's default user; the data volume is group-writable through fsGroup. */
  static final long REGISTRY_UID = 1000;

  /** The nginx-unprivileged image's user. */
  static final long PROXY_UID = 101;

  static final String DATA_VOLUME = "data";
  static final String REGISTRY_CONFIG_VOLUME = "registry-config";
  static final String NGINX_CONFIG_VOLUME = "nginx-config";
  static final String TLS_VOLUME = "tls";
  static final String HTPASSWD_VOLUME = "htpasswd";
  static final String SCRATCH_VOLUME = "proxy-scratch";
  static final String TOKEN_SIGNING_VOLUME = "token-signing";
  static final String TOKEN_TRUST_VOLUME = "token-trust";

  /** Owner and group may read, nobody else: the proxy reads through the pod's fsGroup. */
  private static final int SECRET_FILE_MODE = 0440;

  private RegistryDeployment() {}

  /**
   * @param tlsHash short hash of the serving certificate in use, or null when it is not known (a
   *     user-supplied Secret that does not exist yet)
   * @param httpSecretHash short hash of the http secret, or null when it is not known yet
   * @param operatorImage the operator's own image, which runs the auth server unless the registry
   *     names another
   */
  public static Deployment render(
      PrivateRegistry registry, String tlsHash, String httpSecretHash, String operatorImage) {
    return render(registry, tlsHash, httpSecretHash, operatorImage, DataMode.READ_WRITE);
  }

  /**
   * @param mode read-only during a garbage collection's window: the configuration differs, so the
   *     pod rolls into it and back
   */
  public static Deployment render(
      PrivateRegistry registry,
      String tlsHash,
      String httpSecretHash,
      String operatorImage,
      DataMode mode) {
    RegistryNames names = RegistryNames.of(registry);
    String tlsSecret =
        registry.getSpec().tls.secretName != null
            ? registry.getSpec().tls.secretName
            : names.tlsSecret();
    return render(registry, tlsSecret, tlsHash, httpSecretHash, operatorImage, mode);
  }

  /**
   * @param tlsSecret the Secret the proxy serves: the user's, cert-manager's once it can be served,
   *     or the one from the registry's CA
   */
  public static Deployment render(
      PrivateRegistry registry,
      String tlsSecret,
      String tlsHash,
      String httpSecretHash,
      String operatorImage,
      DataMode mode) {
    PrivateRegistrySpec spec = registry.getSpec();
    RegistryNames names = RegistryNames.of(registry);
    PodPaths paths = PodPaths.IN_POD;

    Map<String, String> podAnnotations = new TreeMap<>();
    podAnnotations.put(Keys.CONFIG_HASH_ANNOTATION, RegistryConfigMap.contentHash(registry, mode));
    if (tlsHash != null) {
      podAnnotations.put(Keys.TLS_HASH_ANNOTATION, tlsHash);
    }
    if (httpSecretHash != null) {
      podAnnotations.put(Keys.HTTP_SECRET_HASH_ANNOTATION, httpSecretHash);
    }

    return new DeploymentBuilder()
        .withMetadata(
            OwnedMetadata.owned(
                registry, names.registry(), names.deployment(), Components.REGISTRY))
        .withNewSpec()
        .withReplicas(1)
        // One writer of a ReadWriteOnce volume at a time: the old pod goes before the new one
        // starts.
        .withNewStrategy()
        .withType(singleWriter(spec) ? "Recreate" : "RollingUpdate")
        .endStrategy()
        .withNewSelector()
        .withMatchLabels(Labels.selector(names.registry()))
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(Labels.forComponent(names.registry(), Components.REGISTRY))
        .withAnnotations(podAnnotations)
        .endMetadata()
        .withNewSpec()
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withFsGroup(REGISTRY_UID)
        // Without this kubelet re-chowns every blob of the registry at each pod start.
        .withFsGroupChangePolicy("OnRootMismatch")
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .withContainers(containers(registry, names, paths, operatorImage))
        .withVolumes(volumes(registry, names, tlsSecret))
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /**
   * The mode every pod of the Deployment runs in, once a rollout is complete: the Deployment
   * controller has seen the current template, every replica runs it and is available, and no pod of
   * an earlier template is left (with RollingUpdate an old pod may still serve a while). Empty
   * while a rollout is under way, or for a template of neither mode (another spec).
   */
  public static Optional<DataMode> servingMode(PrivateRegistry registry, Deployment deployment) {
    DeploymentStatus status = deployment.getStatus();
    Integer wanted = deployment.getSpec() == null ? null : deployment.getSpec().getReplicas();
    boolean rolledOut =
        status != null
            && wanted != null
            && Objects.equals(
                status.getObservedGeneration(), deployment.getMetadata().getGeneration())
            && Objects.equals(status.getReplicas(), wanted)
            && Objects.equals(status.getUpdatedReplicas(), wanted)
            && Objects.equals(status.getAvailableReplicas(), wanted);
    if (!rolledOut) {
      return Optional.empty();
    }
    Map<String, String> annotations =
        deployment.getSpec().getTemplate().getMetadata().getAnnotations();
    String configHash = annotations == null ? null : annotations.get(Keys.CONFIG_HASH_ANNOTATION);
    for (DataMode mode : DataMode.values()) {
      if (RegistryConfigMap.contentHash(registry, mode).equals(configHash)) {
        return Optional.of(mode);
      }
    }
    return Optional.empty();
  }

  private static List<Container> containers(
      PrivateRegistry registry, RegistryNames names, PodPaths paths, String operatorImage) {
    PrivateRegistrySpec spec = registry.getSpec();
    List<Container> containers = new ArrayList<>();
    containers.add(registryContainer(spec, names, paths));
    containers.add(proxyContainer(spec, paths));
    if (runsAuthServer(spec)) {
      containers.add(authContainer(registry, paths, operatorImage));
    }
    return containers;
  }

  private static boolean singleWriter(PrivateRegistrySpec spec) {
    return spec.storage.existingClaim != null
        || !spec.storage.accessModes.contains(AccessMode.ReadWriteMany);
  }

  private static Container registryContainer(
      PrivateRegistrySpec spec, RegistryNames names, PodPaths paths) {
    return new ContainerBuilder()
        .withName(REGISTRY_CONTAINER)
        .withImage(spec.image)
        .withCommand("registry", "serve", paths.registryConfigDir() + "/" + Keys.REGISTRY_CONFIG)
        .addNewEnv()
        .withName(RegistryConfig.HTTP_SECRET_ENV)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(names.httpSecret())
        .withKey(Keys.HTTP_SECRET)
        .endSecretKeyRef()
        .endValueFrom()
        .endEnv()
        .withVolumeMounts(
            new VolumeMountBuilder().withName(DATA_VOLUME).withMountPath(paths.dataDir()).build(),
            new VolumeMountBuilder()
                .withName(REGISTRY_CONFIG_VOLUME)
                .withMountPath(paths.registryConfigDir())
                .withReadOnly(true)
                .build())
        .addAllToVolumeMounts(
            checksTokens(spec)
                ? List.of(
                    new VolumeMountBuilder()
                        .withName(TOKEN_TRUST_VOLUME)
                        .withMountPath(paths.tokenTrustDir())
                        .withReadOnly(true)
                        .build())
                : List.of())
        // The registry listens on loopback, where kubelet's HTTP probes cannot reach: probe from
        // inside the container (the image is Alpine-based and has busybox wget).
        .withLivenessProbe(
            new ProbeBuilder()
                .withNewExec()
                .withCommand(
                    "wget",
                    "-q",
                    "-O",
                    "/dev/null",
                    "http://127.0.0.1:" + Ports.REGISTRY_DEBUG + "/debug/health")
                .endExec()
                .withInitialDelaySeconds(10)
                .withPeriodSeconds(20)
                .withTimeoutSeconds(5)
                .withFailureThreshold(3)
                .build())
        .withResources(resourcesOrDefault(spec.resources.registry, "100m", "128Mi"))
        .withSecurityContext(restricted(REGISTRY_UID))
        .build();
  }

  private static Container proxyContainer(PrivateRegistrySpec spec, PodPaths paths) {
    return new ContainerBuilder()
        .withName(PROXY_CONTAINER)
        .withImage(spec.proxy.image)
        .withCommand("nginx", "-c", paths.nginxConfigDir() + "/" + Keys.NGINX_CONFIG)
        .addNewPort()
        .withName(Ports.PROXY_PORT_NAME)
        .withContainerPort(spec.proxy.port)
        .withProtocol("TCP")
        .endPort()
        .addNewPort()
        .withName(Ports.METRICS_PORT_NAME)
        .withContainerPort(Ports.METRICS)
        .withProtocol("TCP")
        .endPort()
        .withVolumeMounts(
            new VolumeMountBuilder()
                .withName(NGINX_CONFIG_VOLUME)
                .withMountPath(paths.nginxConfigDir())
                .withReadOnly(true)
                .build(),
            new VolumeMountBuilder()
                .withName(TLS_VOLUME)
                .withMountPath(paths.tlsDir())
                .withReadOnly(true)
                .build(),
            new VolumeMountBuilder()
                .withName(SCRATCH_VOLUME)
                .withMountPath(paths.proxyScratchDir())
                .build())
        .withReadinessProbe(httpsProbe(NginxConfig.HEALTH_PATH, 5))
        .withLivenessProbe(httpsProbe(NginxConfig.LIVENESS_PATH, 20))
        .withResources(resourcesOrDefault(spec.resources.proxy, "50m", "32Mi"))
        .withSecurityContext(restricted(PROXY_UID))
        .build();
  }

  /**
   * The auth server: the operator's jar, started with the command the image's entrypoint also runs.
   * Loopback only, so it has no port and kubelet cannot probe it; nginx's readiness path does not
   * depend on it, and a stopped auth server makes nginx refuse logins (never admit them).
   */
  private static Container authContainer(
      PrivateRegistry registry, PodPaths paths, String operatorImage) {
    PrivateRegistrySpec spec = registry.getSpec();
    List<String> args = new ArrayList<>();
    args.add("--listen=127.0.0.1:" + Ports.AUTH_SERVER);
    args.add("--htpasswd=" + paths.htpasswdDir() + "/" + Keys.HTPASSWD);
    args.add("--access=" + paths.htpasswdDir() + "/" + Keys.ACCESS_FILE);
    args.add("--realm=" + spec.auth.realm);
    List<VolumeMount> mounts = new ArrayList<>();
    mounts.add(
        new VolumeMountBuilder()
            .withName(HTPASSWD_VOLUME)
            .withMountPath(paths.htpasswdDir())
            .withReadOnly(true)
            .build());
    if (spec.auth.mode == AuthMode.Token) {
      args.add("--token-key=" + paths.tokenSigningDir() + "/" + Keys.TLS_KEY);
      args.add("--token-cert=" + paths.tokenSigningDir() + "/" + Keys.TLS_CERT);
      args.add("--issuer=" + TokenAuth.issuer(registry));
      args.add("--service=" + TokenAuth.service(registry));
      args.add("--token-lifetime=" + spec.auth.tokenLifetimeSeconds);
      mounts.add(
          new VolumeMountBuilder()
              .withName(TOKEN_SIGNING_VOLUME)
              .withMountPath(paths.tokenSigningDir())
              .withReadOnly(true)
              .build());
    }
    // The JVM wants a writable /tmp; the root is read-only.
    mounts.add(
        new VolumeMountBuilder()
            .withName(SCRATCH_VOLUME)
            .withMountPath(paths.proxyScratchDir())
            .build());
    return new ContainerBuilder()
        .withName(AUTH_CONTAINER)
        .withImage(spec.auth.serverImage != null ? spec.auth.serverImage : operatorImage)
        .withCommand("java", "-jar", OPERATOR_JAR, "auth-server")
        .withArgs(args)
        .addNewEnv()
        .withName("JAVA_TOOL_OPTIONS")
        .withValue(AUTH_JAVA_OPTIONS)
        .endEnv()
        .withVolumeMounts(mounts)
        .withResources(resourcesOrDefault(null, "50m", "96Mi"))
        .withSecurityContext(restricted(AUTH_UID))
        .build();
  }

  private static Probe httpsProbe(String path, int periodSeconds) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withPort(new IntOrString(Ports.PROXY_PORT_NAME))
        .withScheme("HTTPS")
        .endHttpGet()
        .withPeriodSeconds(periodSeconds)
        .withTimeoutSeconds(5)
        .withFailureThreshold(3)
        .build();
  }

  static SecurityContext restricted(long uid) {
    Capabilities dropAll = new CapabilitiesBuilder().withDrop("ALL").build();
    return new SecurityContextBuilder()
        .withRunAsUser(uid)
        .withRunAsGroup(uid)
        .withRunAsNonRoot(true)
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withCapabilities(dropAll)
        .build();
  }

  /** Requests only, by default: a limit on a registry's memory kills large pushes. */
  static ResourceRequirements resourcesOrDefault(
      ContainerResources requested, String cpu, String memory) {
    if (requested != null) {
      return new ResourceRequirements(
          null, quantities(requested.limits), quantities(requested.requests));
    }
    Map<String, Quantity> requests = new TreeMap<>();
    requests.put("cpu", new Quantity(cpu));
    requests.put("memory", new Quantity(memory));
    return new ResourceRequirements(null, null, requests);
  }

  /** RegistryValidation has checked every value: each is a quantity. */
  private static Map<String, Quantity> quantities(Map<String, IntOrString> values) {
    if (values == null) {
      return null;
    }
    Map<String, Quantity> quantities = new TreeMap<>();
    values.forEach(
        (name, value) -> quantities.put(name, new Quantity(ContainerResources.text(value))));
    return quantities;
  }

  private static List<Volume> volumes(
      PrivateRegistry registry, RegistryNames names, String tlsSecret) {
    PrivateRegistrySpec spec = registry.getSpec();
    List<Volume> volumes = new ArrayList<>();
    volumes.add(
        new VolumeBuilder()
            .withName(DATA_VOLUME)
            .withNewPersistentVolumeClaim()
            .withClaimName(RegistryClaim.claimName(registry))
            .endPersistentVolumeClaim()
            .build());
    volumes.add(configMapVolume(REGISTRY_CONFIG_VOLUME, names.configMap(), Keys.REGISTRY_CONFIG));
    volumes.add(configMapVolume(NGINX_CONFIG_VOLUME, names.configMap(), Keys.NGINX_CONFIG));
    volumes.add(
        new VolumeBuilder()
            .withName(TLS_VOLUME)
            .withNewSecret()
            .withSecretName(tlsSecret)
            .withItems(
                new KeyToPath(Keys.TLS_CERT, null, Keys.TLS_CERT),
                new KeyToPath(Keys.TLS_KEY, null, Keys.TLS_KEY))
            .withDefaultMode(SECRET_FILE_MODE)
            .endSecret()
            .build());
    if (spec.auth.mode == AuthMode.Token) {
      // Optional: the signing Secret may come a moment after the pod; the auth server answers
      // 503 on /token until kubelet has put the key in place.
      volumes.add(
          new VolumeBuilder()
              .withName(TOKEN_SIGNING_VOLUME)
              .withNewSecret()
              .withSecretName(names.tokenSigningSecret())
              .withItems(
                  new KeyToPath(Keys.TLS_CERT, null, Keys.TLS_CERT),
                  new KeyToPath(Keys.TLS_KEY, null, Keys.TLS_KEY))
              .withOptional(true)
              .withDefaultMode(SECRET_FILE_MODE)
              .endSecret()
              .build());
    }
    if (checksTokens(spec)) {
      volumes.add(tokenTrustVolume(spec, names));
    }
    if (runsAuthServer(spec)) {
      volumes.add(
          new VolumeBuilder()
              .withName(HTPASSWD_VOLUME)
              .withNewSecret()
              .withSecretName(names.htpasswdSecret())
              .withDefaultMode(SECRET_FILE_MODE)
              .endSecret()
              .build());
    }
    volumes.add(
        // An empty object would not survive server-side apply on older API servers (it is not
        // recorded in managedFields and re-applied forever): give the emptyDir a size limit.
        new VolumeBuilder()
            .withName(SCRATCH_VOLUME)
            .withNewEmptyDir()
            .withSizeLimit(new Quantity("64Mi"))
            .endEmptyDir()
            .build());
    return volumes;
  }

  /** The token modes: the registry verifies bearer tokens itself. */
  private static boolean checksTokens(PrivateRegistrySpec spec) {
    return spec.auth.mode != AuthMode.Basic;
  }

  /** Every mode but ExternalToken, whose token server lives elsewhere. */
  private static boolean runsAuthServer(PrivateRegistrySpec spec) {
    return spec.auth.mode != AuthMode.ExternalToken;
  }

  /**
   * What the registry trusts for tokens: the registry's CA (from the operator's serving Secret,
   * which always exists) or the external token server's bundle.
   */
  private static Volume tokenTrustVolume(PrivateRegistrySpec spec, RegistryNames names) {
    boolean external = spec.auth.mode == AuthMode.ExternalToken;
    String secret = external ? spec.auth.externalToken.certificateSecret : names.tlsSecret();
    String key = external ? spec.auth.externalToken.certificateKey : Keys.CA_CERT;
    return new VolumeBuilder()
        .withName(TOKEN_TRUST_VOLUME)
        .withNewSecret()
        .withSecretName(secret)
        .withItems(new KeyToPath(key, null, RegistryConfig.TOKEN_TRUST_FILE))
        .withDefaultMode(SECRET_FILE_MODE)
        .endSecret()
        .build();
  }

  static Volume configMapVolume(String volume, String configMap, String key) {
    return new VolumeBuilder()
        .withName(volume)
        .withNewConfigMap()
        .withName(configMap)
        .withItems(new KeyToPath(key, null, key))
        .endConfigMap()
        .build();
  }
}
