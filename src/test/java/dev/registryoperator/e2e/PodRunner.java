package dev.registryoperator.e2e;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the pod of a Deployment on this machine, standing in for the scheduler, kubelet, the
 * container runtime and the CNI plugin, so that tests can talk to the real registry and nginx the
 * operator configured.
 *
 * <p>It reads the Deployment's pod template and the Secrets and ConfigMaps it names through the
 * given client (a real API server or the fabric8 mock), then:
 *
 * <ul>
 *   <li>creates the pod sandbox: network namespace {@code podrunner-N} with a pod IP reachable from
 *       this machine, shared UTS (hostname = pod name) and IPC namespaces ({@link PodNetwork});
 *   <li>lays out the volumes as kubelet does and delivers later Secret and ConfigMap changes
 *       through the {@code ..data} swap ({@link PodVolumes}, {@link AtomicWriter}), with fsGroup
 *       ownership;
 *   <li>writes kubelet's /etc/hosts, /etc/hostname and /etc/resolv.conf for the pod;
 *   <li>starts each container in spec order from the program that stands in for its image ({@link
 *       ImageBinaries}) with its command and args, environment ({@link ContainerEnvironment}),
 *       mounts and security context ({@link ContainerProcess}, {@link ContainerSecurity});
 *   <li>runs readiness probes on request ({@link #awaitReady}).
 * </ul>
 *
 * <p>What it does not emulate, beyond what the classes above name: scheduling, more than one
 * replica, rollouts (a changed pod template does not replace the running pod: close and start a new
 * runner), init and ephemeral containers, restart policy, liveness-driven restarts, startup probes,
 * the service-account token volume, hostNetwork / hostPID / shareProcessNamespace, subPath mounts,
 * Services and DNS. Everything it cannot do is refused with an exception, not ignored.
 *
 * <p>Needs root on Linux with iproute2, util-linux (nsenter, unshare, setpriv) and the image
 * stand-ins installed.
 */
public final class PodRunner implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PodRunner.class);
  private static final Set<PodRunner> OPEN = ConcurrentHashMap.newKeySet();
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The alphabet of Kubernetes' generated name suffixes (no vowels, no look-alikes). */
  private static final String SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  static {
    // A test JVM that ends without close() (a failing @BeforeAll, Ctrl-C) must not leave pods
    // behind.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> List.copyOf(OPEN).forEach(PodRunner::close), "pod-runner-cleanup"));
  }

  private final String namespace;
  private final String deployment;
  private final KubernetesClient client;
  private final String podName;
  private final Path podDir;
  private final PodTemplateSpec template;
  private final Map<String, ContainerProcess> containers = new LinkedHashMap<>();
  private final List<Container> containerSpecs = new ArrayList<>();
  private PodNetwork network;
  private PodVolumes volumes;
  private boolean closed;

  private PodRunner(Builder builder, PodTemplateSpec template, String podName, Path podDir) {
    this.client = builder.client;
    this.namespace = builder.namespace;
    this.deployment = builder.deployment;
    this.template = template;
    this.podName = podName;
    this.podDir = podDir;
  }

  /**
   * Starts the Deployment's pod with the defaults: temporary claim directories, 0.5 s Secret sync.
   */
  public static PodRunner start(KubernetesClient client, String namespace, String deployment) {
    return builder(client, namespace, deployment).start();
  }

  public static Builder builder(KubernetesClient client, String namespace, String deployment) {
    return new Builder(client, namespace, deployment);
  }

  public static final class Builder {
    private final KubernetesClient client;
    private final String namespace;
    private final String deployment;
    private Path claimsRoot;
    private Path logsRoot;
    private Duration secretSyncPeriod = Duration.ofMillis(500);
    private Duration waitForObjects = Duration.ofSeconds(60);

    private Builder(KubernetesClient client, String namespace, String deployment) {
      this.client = client;
      this.namespace = namespace;
      this.deployment = deployment;
    }

    /**
     * Where persistentVolumeClaim volumes live, one directory per claim name. Given, they survive
     * the runner (a second runner finds the data, like a re-created pod); by default they are
     * temporary.
     */
    public Builder claimsRoot(Path claimsRoot) {
      this.claimsRoot = claimsRoot;
      return this;
    }

    /**
     * Where container logs go ({@code <pod>/<container>.log}); kept after close. Default: deleted.
     */
    public Builder logsRoot(Path logsRoot) {
      this.logsRoot = logsRoot;
      return this;
    }

    /** How often Secrets and ConfigMaps of volumes are re-read (kubelet: about a minute). */
    public Builder secretSyncPeriod(Duration period) {
      this.secretSyncPeriod = period;
      return this;
    }

    /** How long to wait for the Deployment and its Secrets and ConfigMaps to exist. */
    public Builder waitForObjects(Duration wait) {
      this.waitForObjects = wait;
      return this;
    }

    public PodRunner start() {
      Deployment found = awaitDeployment();
      PodTemplateSpec template = found.getSpec().getTemplate();
      refuseUnsupported(template.getSpec());
      String podName = podName(template);
      Path podDir;
      try {
        podDir = Files.createTempDirectory("pod-runner-" + podName + "-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      PodRunner runner = new PodRunner(this, template, podName, podDir);
      OPEN.add(runner);
      try {
        long started = System.nanoTime();
        runner.run(
            claimsRoot == null ? podDir.resolve("claims") : claimsRoot,
            logsRoot == null ? podDir.resolve("logs") : logsRoot.resolve(podName),
            secretSyncPeriod,
            waitForObjects);
        LOG.info(
            "pod {} started at {} in netns {} ({} ms)",
            podName,
            runner.podIp(),
            runner.networkNamespace(),
            (System.nanoTime() - started) / 1_000_000);
        return runner;
      } catch (RuntimeException e) {
        runner.close();
        throw e;
      }
    }

    private Deployment awaitDeployment() {
      long deadline = System.nanoTime() + waitForObjects.toNanos();
      while (true) {
        Deployment found =
            client.apps().deployments().inNamespace(namespace).withName(deployment).get();
        if (found != null) {
          return found;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "Deployment " + namespace + "/" + deployment + " does not exist");
        }
        sleep(Duration.ofMillis(200));
      }
    }

    /** Deployment pods are named {@code <deployment>-<template hash>-<5 random>}. */
    private String podName(PodTemplateSpec template) {
      String hash;
      try {
        byte[] digest =
            MessageDigest.getInstance("SHA-256")
                .digest(Serialization.asJson(template).getBytes(StandardCharsets.UTF_8));
        hash = HexFormat.of().formatHex(digest).substring(0, 10);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      StringBuilder suffix = new StringBuilder();
      for (int i = 0; i < 5; i++) {
        suffix.append(SUFFIX_ALPHABET.charAt(RANDOM.nextInt(SUFFIX_ALPHABET.length())));
      }
      String name = deployment + "-" + hash + "-" + suffix;
      return name.length() > 63 ? name.substring(name.length() - 63) : name;
    }
  }

  private static void refuseUnsupported(PodSpec pod) {
    List<String> unsupported = new ArrayList<>();
    if (pod.getInitContainers() != null && !pod.getInitContainers().isEmpty()) {
      unsupported.add("initContainers");
    }
    if (pod.getEphemeralContainers() != null && !pod.getEphemeralContainers().isEmpty()) {
      unsupported.add("ephemeralContainers");
    }
    if (Boolean.TRUE.equals(pod.getHostNetwork())) {
      unsupported.add("hostNetwork");
    }
    if (Boolean.TRUE.equals(pod.getHostPID())) {
      unsupported.add("hostPID");
    }
    if (Boolean.TRUE.equals(pod.getShareProcessNamespace())) {
      unsupported.add("shareProcessNamespace");
    }
    for (Container container : pod.getContainers()) {
      if (container.getVolumeMounts() != null) {
        for (VolumeMount mount : container.getVolumeMounts()) {
          if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()
              || mount.getSubPathExpr() != null && !mount.getSubPathExpr().isEmpty()) {
            unsupported.add("subPath mount " + mount.getName() + " in " + container.getName());
          }
        }
      }
      if (container.getStartupProbe() != null) {
        unsupported.add("startupProbe in " + container.getName());
      }
      if (container.getLifecycle() != null) {
        unsupported.add("lifecycle hooks in " + container.getName());
      }
    }
    if (!unsupported.isEmpty()) {
      throw new UnsupportedOperationException("the pod runner does not emulate " + unsupported);
    }
  }

  private void run(Path claimsRoot, Path logsDir, Duration syncPeriod, Duration waitForObjects) {
    PodSpec pod = template.getSpec();
    network = PodNetwork.create(podName, podDir);
    volumes =
        PodVolumes.prepare(
            client, namespace, pod, podDir.resolve("volumes"), claimsRoot, waitForObjects);
    Map<String, Path> podFiles = writeKubeletFiles();
    ContainerEnvironment environments =
        new ContainerEnvironment(
            client,
            namespace,
            new ContainerEnvironment.PodFields(
                podName,
                namespace,
                network.podIp(),
                network.hostIp(),
                pod.getServiceAccountName() == null ? "default" : pod.getServiceAccountName()));
    // No service-account token volume is mounted: say so when the pod would have one.
    if (!Boolean.FALSE.equals(pod.getAutomountServiceAccountToken())) {
      LOG.warn("pod {} would get a service-account token; the runner mounts none", podName);
    }
    for (Container container : pod.getContainers()) {
      Map<String, String> env = environments.resolve(container);
      List<String> argv =
          ContainerEnvironment.expandAll(
              ImageBinaries.argv(container.getImage(), container.getCommand(), container.getArgs()),
              env);
      ContainerSecurity security = ContainerSecurity.of(pod.getSecurityContext(), container);
      List<ContainerProcess.Mount> mounts =
          new ArrayList<>(ImageBinaries.imageFiles(container.getImage()));
      if (container.getVolumeMounts() != null) {
        for (VolumeMount mount : container.getVolumeMounts()) {
          mounts.add(
              new ContainerProcess.Mount(
                  volumes.directory(mount.getName()),
                  mount.getMountPath(),
                  Boolean.TRUE.equals(mount.getReadOnly())));
        }
      }
      containerSpecs.add(container);
      containers.put(
          container.getName(),
          ContainerProcess.start(
              container.getName(),
              podDir.resolve("containers").resolve(container.getName()),
              logsDir.resolve(container.getName() + ".log"),
              network,
              mounts,
              podFiles,
              env,
              security,
              container.getWorkingDir(),
              argv));
    }
    volumes.startSync(syncPeriod);
  }

  /** The files kubelet writes per pod and the runtime binds into every container. */
  private Map<String, Path> writeKubeletFiles() {
    try {
      Path hosts = podDir.resolve("etc-hosts");
      Files.writeString(
          hosts,
          "# Kubernetes-managed hosts file.\n"
              + "127.0.0.1\tlocalhost\n"
              + "::1\tlocalhost ip6-localhost ip6-loopback\n"
              + "fe00::0\tip6-localnet\n"
              + "fe00::0\tip6-mcastprefix\n"
              + "fe00::1\tip6-allnodes\n"
              + "fe00::2\tip6-allrouters\n"
              + network.podIp()
              + "\t"
              + podName
              + "\n");
      Path hostname = podDir.resolve("hostname");
      Files.writeString(hostname, podName + "\n");
      // dnsPolicy ClusterFirst would point at the cluster DNS; there is none, so the search path
      // is the cluster's and the name servers are this machine's.
      StringBuilder resolv = new StringBuilder();
      resolv
          .append("search ")
          .append(namespace)
          .append(".svc.cluster.local svc.cluster.local cluster.local\n");
      Path hostResolv = Path.of("/etc/resolv.conf");
      if (Files.isReadable(hostResolv)) {
        Files.readAllLines(hostResolv).stream()
            .filter(line -> line.startsWith("nameserver"))
            .forEach(line -> resolv.append(line).append('\n'));
      }
      resolv.append("options ndots:5\n");
      Path resolvConf = podDir.resolve("resolv.conf");
      Files.writeString(resolvConf, resolv);
      for (Path file : List.of(hosts, hostname, resolvConf)) {
        Posix.chmod(file, 0644);
      }
      return Map.of("/etc/hosts", hosts, "/etc/hostname", hostname, "/etc/resolv.conf", resolvConf);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String podName() {
    return podName;
  }

  public String namespace() {
    return namespace;
  }

  /** The pod's IP; reachable from this machine. */
  public String podIp() {
    return network.podIp();
  }

  /** Name of the pod's network namespace, for {@code ip netns exec}. */
  public String networkNamespace() {
    return network.netns();
  }

  /** The host directory behind a volume of the pod (a Secret volume shows its ..data layout). */
  public Path volumeDirectory(String volume) {
    return volumes.directory(volume);
  }

  /** How many Secret or ConfigMap changes have been delivered into the pod's volumes so far. */
  public int volumeUpdates() {
    return volumes.updates();
  }

  public Set<String> containerNames() {
    return containers.keySet();
  }

  /** The container's PID 1 as this machine sees it; it changes only if the container restarts. */
  public long containerPid(String container) {
    return container(container)
        .pid()
        .orElseThrow(() -> new IllegalStateException(container + " is not running"));
  }

  public boolean isRunning(String container) {
    return container(container).isRunning();
  }

  public String logs(String container) {
    return container(container).logs();
  }

  /** All logs, for failure messages. */
  public String describe() {
    StringBuilder text =
        new StringBuilder(
            "pod " + podName + " (" + (network == null ? "?" : network.podIp()) + ")\n");
    containers
        .values()
        .forEach(
            process ->
                text.append("--- ")
                    .append(process)
                    .append(" ---\n")
                    .append(process.logs())
                    .append('\n'));
    return text.toString();
  }

  /** {@code kubectl exec}: runs a command inside a container. */
  public HostCommand.Result exec(String container, String... command) {
    return container(container).exec(Duration.ofSeconds(30), List.of(command));
  }

  /**
   * Runs a program of this machine in the pod's network namespace only (its file system and user
   * stay the host's): a client sitting inside the pod.
   */
  public HostCommand.Result execInNetwork(Duration timeout, String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", network.netns()));
    full.addAll(List.of(command));
    return HostCommand.run(timeout, full);
  }

  /**
   * Waits until every container runs and passes its readiness probe (a container without one is
   * ready when it runs). Probes run every 200 ms rather than every periodSeconds;
   * initialDelaySeconds is honoured. Throws with the pod's logs when a container exits or time runs
   * out.
   */
  public PodRunner awaitReady(Duration timeout) {
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    while (true) {
      boolean ready = true;
      for (Container spec : containerSpecs) {
        ContainerProcess process = containers.get(spec.getName());
        if (!process.isRunning()) {
          throw new IllegalStateException(
              "container "
                  + spec.getName()
                  + " exited with "
                  + process.exitCode().orElseThrow()
                  + "\n"
                  + describe());
        }
        if (spec.getReadinessProbe() != null) {
          Duration delay =
              Duration.ofSeconds(
                  spec.getReadinessProbe().getInitialDelaySeconds() == null
                      ? 0
                      : spec.getReadinessProbe().getInitialDelaySeconds());
          ready &=
              process.uptime().compareTo(delay) >= 0
                  && Probes.succeeds(spec.getReadinessProbe(), spec, process, network.podIp());
        }
      }
      if (ready) {
        LOG.info("pod {} ready ({} ms)", podName, (System.nanoTime() - started) / 1_000_000);
        return this;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("pod not ready within " + timeout + "\n" + describe());
      }
      sleep(Duration.ofMillis(200));
    }
  }

  /**
   * True when the Deployment's pod template no longer is the one this pod runs: a cluster would now
   * replace the pod (the operator changed a config or certificate hash). The runner does not roll
   * out by itself; close it and start a new one (with the same claims root to keep the data).
   */
  public boolean isOutdated() {
    Deployment current =
        client.apps().deployments().inNamespace(namespace).withName(deployment).get();
    return current == null
        || !Serialization.asJson(current.getSpec().getTemplate())
            .equals(Serialization.asJson(template));
  }

  /** Runs a container's liveness probe once (the runner never restarts on failure). */
  public boolean livenessProbeSucceeds(String container) {
    Container spec =
        containerSpecs.stream()
            .filter(c -> c.getName().equals(container))
            .findFirst()
            .orElseThrow();
    if (spec.getLivenessProbe() == null) {
      throw new IllegalArgumentException(container + " has no liveness probe");
    }
    return Probes.succeeds(spec.getLivenessProbe(), spec, container(container), network.podIp());
  }

  /**
   * Writes the Deployment status the deployment controller would write once this pod is ready (a
   * bare API server has no controller-manager). Call after {@link #awaitReady}.
   */
  public void reportDeploymentAvailable() {
    client
        .apps()
        .deployments()
        .inNamespace(namespace)
        .withName(deployment)
        .editStatus(
            current -> {
              current.setStatus(
                  new DeploymentStatusBuilder()
                      .withObservedGeneration(current.getMetadata().getGeneration())
                      .withReplicas(1)
                      .withUpdatedReplicas(1)
                      .withReadyReplicas(1)
                      .withAvailableReplicas(1)
                      .withConditions(
                          new DeploymentConditionBuilder()
                              .withType("Available")
                              .withStatus("True")
                              .withReason("MinimumReplicasAvailable")
                              .withMessage("Deployment has minimum availability.")
                              .withLastUpdateTime(Instant.now().toString())
                              .withLastTransitionTime(Instant.now().toString())
                              .build())
                      .build());
              return current;
            });
  }

  private ContainerProcess container(String name) {
    ContainerProcess process = containers.get(name);
    if (process == null) {
      throw new IllegalArgumentException(
          "the pod has no container " + name + "; it has " + containers.keySet());
    }
    return process;
  }

  /**
   * Deletes the pod: containers get SIGTERM and, after the grace period (at most 10 s here),
   * SIGKILL; then the sandbox, the network namespace and the pod's directory go. Claims given
   * through {@link Builder#claimsRoot} and logs given through {@link Builder#logsRoot} stay.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    OPEN.remove(this);
    if (volumes != null) {
      volumes.close();
    }
    Long grace = template.getSpec().getTerminationGracePeriodSeconds();
    Duration gracePeriod = Duration.ofSeconds(grace == null ? 10 : Math.min(grace, 10));
    // In parallel, as kubelet kills a pod's containers.
    List<Thread> stopping = new ArrayList<>();
    for (ContainerProcess process : containers.values()) {
      Thread thread = new Thread(() -> process.close(gracePeriod), "stop-" + process.name());
      thread.start();
      stopping.add(thread);
    }
    for (Thread thread : stopping) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (network != null) {
      network.close();
    }
    try {
      AtomicWriter.deleteRecursively(podDir);
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("cannot delete {}", podDir, e);
    }
    LOG.info("pod {} deleted", podName);
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
