package dev.registryoperator.cluster;

import static org.awaitility.Awaitility.await;

import dev.registryoperator.e2e.HostCommand;
import dev.registryoperator.testing.SecretScan;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The real single-node cluster of {@code scripts/cluster.sh} (kubelet, containerd, the control
 * plane; see the README's table of what is real), with the operator installed the way users install
 * it: {@code deploy/node-agent/}, its image, two replicas with leader election, and its node agent.
 *
 * <p>Started once per test JVM by the first class that uses it (the {@code it-real-cluster}
 * failsafe execution), and stopped when the JUnit run ends, after every component's log, the Events
 * and {@code kubectl describe} of everything went to {@link #LOGS}: one place to read a failure. A
 * cluster that was already running (a developer's {@code cluster.sh up}) is reused and left
 * running, as is any cluster with {@code REAL_CLUSTER_KEEP=1}.
 */
public final class RealCluster implements ExtensionContext.Store.CloseableResource {

  public static final Path LOGS = Path.of("target", "real-cluster-logs");
  public static final String OPERATOR_NAMESPACE = "registry-operator-system";
  public static final String AGENT_NAMESPACE = "registry-node-agent";

  private static final Path SCRIPT = Path.of("scripts", "cluster.sh");
  private static final Path OPERATOR_JAR = Path.of("target", "registry-operator.jar");

  /** The first run of cluster.sh builds Kubernetes (about 8 minutes on 2 cores) and images. */
  private static final Duration UP_TIMEOUT = Duration.ofMinutes(45);

  private final KubernetesClient client;
  private final Map<String, String> env;
  private final Path containerdCertsDir;
  private final boolean keep;

  private RealCluster(Map<String, String> env, boolean keep) {
    this.env = env;
    this.keep = keep;
    this.containerdCertsDir = Path.of(env.get("CONTAINERD_CERTS_DIR"));
    try {
      Path kubeconfig = Path.of(env.get("KUBECONFIG"));
      Config config =
          Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
      // cluster.sh issues EC client keys; fabric8 reads a PKCS#8 key as RSA unless told.
      config.setClientKeyAlgo("EC");
      this.client = new KubernetesClientBuilder().withConfig(config).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Brings the cluster up (or finds it up), loads the operator image and installs the operator. */
  static RealCluster start() {
    boolean wasUp = script(Duration.ofSeconds(30), "status").succeeded();
    boolean keep = wasUp || "1".equals(System.getenv("REAL_CLUSTER_KEEP"));
    script(UP_TIMEOUT, "up").orThrow();
    try {
      script(Duration.ofMinutes(5), "load-operator-image", OPERATOR_JAR.toString()).orThrow();
      RealCluster cluster =
          new RealCluster(parseEnv(script(Duration.ofSeconds(30), "env").orThrow().stdout()), keep);
      cluster.installOperator();
      return cluster;
    } catch (RuntimeException | Error e) {
      // Nothing would close a cluster that never reached the tests: its logs, then down.
      script(Duration.ofMinutes(5), "logs", LOGS.toString());
      if (!keep) {
        script(Duration.ofMinutes(5), "down");
      }
      throw e;
    }
  }

  public KubernetesClient client() {
    return client;
  }

  /** The cluster's admin kubeconfig (its client key is EC: fabric8 needs to be told). */
  public Path kubeconfig() {
    return Path.of(env.get("KUBECONFIG"));
  }

  /** Where the node's containerd reads registry hosts.toml files (the node agent writes them). */
  public Path containerdCertsDir() {
    return containerdCertsDir;
  }

  /**
   * A docker-archive of one of the images cluster.sh built (busybox, registry, ...): its cache
   * names them NAME-HASH.tar, the hash of their inputs, and keeps only the current one.
   */
  public Path imageArchive(String name) {
    try (var archives = Files.list(cacheDir().resolve("cluster-images"))) {
      return archives
          .filter(
              path ->
                  path.getFileName().toString().matches(Pattern.quote(name) + "-[0-9a-f]+\\.tar"))
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("cluster.sh built no " + name + " image"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Gives an imported image a second name in the node's containerd (a new image, same bytes). */
  public void tagImage(String source, String target) {
    HostCommand.run(
            Duration.ofMinutes(1),
            "ctr",
            "--address",
            env.get("CONTAINERD_ADDRESS"),
            "-n",
            "k8s.io",
            "images",
            "tag",
            "--force",
            source,
            target)
        .orThrow();
  }

  /**
   * Stops kube-apiserver and etcd, keeps them down for {@code down}, and starts them again on the
   * same etcd data ({@code cluster.sh restart-control-plane}); returns once the API server is
   * ready. Everything else (kubelet, the pods, the other control-plane components) keeps running.
   */
  public HostCommand.Result restartControlPlane(Duration down) {
    return script(Duration.ofMinutes(3), "restart-control-plane", Long.toString(down.toSeconds()))
        .orThrow();
  }

  /** kubectl with the cluster's admin kubeconfig. */
  public HostCommand.Result kubectl(String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(kubectlBinary().toString());
    command.addAll(List.of(arguments));
    Map<String, String> environment = new HashMap<>(System.getenv());
    environment.put("KUBECONFIG", env.get("KUBECONFIG"));
    return HostCommand.run(Duration.ofMinutes(2), environment, command);
  }

  /**
   * A scan of the cluster's Events, statuses, ConfigMaps and every running container's log for the
   * secret values its Secrets hold and for keys, hashes and tokens.
   */
  SecretScan secretScan() {
    SecretScan scan = SecretScan.of(client).clusterObjects(client);
    for (Pod pod : client.pods().inAnyNamespace().list().getItems()) {
      for (ContainerStatus container : containerStatuses(pod)) {
        if (container.getState() != null && container.getState().getWaiting() != null) {
          continue; // no log yet
        }
        String name = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        scan.text(
            "the log of container " + container.getName() + " of pod " + name,
            client
                .pods()
                .inNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName())
                .inContainer(container.getName())
                .getLog());
      }
    }
    return scan;
  }

  private static List<ContainerStatus> containerStatuses(Pod pod) {
    List<ContainerStatus> statuses = new ArrayList<>();
    if (pod.getStatus() != null) {
      statuses.addAll(pod.getStatus().getInitContainerStatuses());
      statuses.addAll(pod.getStatus().getContainerStatuses());
    }
    return statuses;
  }

  /**
   * Writes the logs, scans them (every component's log, the Events, {@code kubectl describe} of
   * everything, the CRs) for secret material, and brings the cluster down; a finding fails the run
   * after the cluster is down.
   */
  @Override
  public void close() {
    List<SecretScan.Finding> findings = List.of();
    try {
      script(Duration.ofMinutes(5), "logs", LOGS.toString());
      findings = scanLogs();
    } finally {
      client.close();
      if (!keep) {
        script(Duration.ofMinutes(5), "down").orThrow();
      }
    }
    if (!findings.isEmpty()) {
      throw new AssertionError(
          "secret material in the cluster's logs in "
              + LOGS.toAbsolutePath()
              + " (the material itself is not shown): "
              + findings);
    }
  }

  private List<SecretScan.Finding> scanLogs() {
    SecretScan scan = SecretScan.of(client);
    try (var files = Files.walk(LOGS)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        // Not Files.readString: a log may hold bytes that are not UTF-8, which are kept as U+FFFD.
        scan.text(file.toString(), new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + LOGS, e);
    }
    List<SecretScan.Finding> findings = scan.findings();
    System.out.printf(
        "[cluster] secret scan of %s: %s, %d finding(s)%n", LOGS, scan.summary(), findings.size());
    return findings;
  }

  /**
   * deploy/node-agent/ as users apply it, rendered by a current kubectl (1.20's built-in kustomize
   * cannot take ../crds), with one change: the node agent's containerd directory is the test
   * cluster's, which keeps its containerd away from the machine's /etc/containerd.
   */
  private void installOperator() {
    String rendered =
        HostCommand.run(
                Duration.ofMinutes(1),
                currentKubectl().toString(),
                "kustomize",
                Path.of("deploy", "node-agent").toString())
            .orThrow()
            .stdout();
    List<HasMetadata> objects =
        client.load(new ByteArrayInputStream(rendered.getBytes(StandardCharsets.UTF_8))).items();
    for (HasMetadata object : objects) {
      if (object instanceof CustomResourceDefinition crd) {
        // 1.20 refuses these CRDs under server-side apply (see the README); users apply them with
        // --validate=false, which is a create or replace.
        client.resource(crd).createOr(existing -> existing.update());
      }
    }
    for (HasMetadata object : objects) {
      if (object instanceof CustomResourceDefinition) {
        continue;
      }
      if (object instanceof Deployment deployment) {
        deployment
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getArgs()
            .add("--node-agent-containerd-certs-dir=" + containerdCertsDir);
      }
      client.resource(object).fieldManager("installer").forceConflicts().serverSideApply();
    }
    await("the operator's two replicas")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              Deployment operator =
                  client
                      .apps()
                      .deployments()
                      .inNamespace(OPERATOR_NAMESPACE)
                      .withName("registry-operator")
                      .get();
              return operator != null
                  && operator.getStatus() != null
                  && Integer.valueOf(2).equals(operator.getStatus().getReadyReplicas());
            });
    await("the node agent on the node")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              var agent =
                  client
                      .apps()
                      .daemonSets()
                      .inNamespace(AGENT_NAMESPACE)
                      .withName("registry-node-agent")
                      .get();
              return agent != null
                  && agent.getStatus() != null
                  && agent.getStatus().getNumberReady() != null
                  && agent.getStatus().getNumberReady() >= 1;
            });
  }

  private static HostCommand.Result script(Duration timeout, String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(SCRIPT.toString());
    command.addAll(List.of(arguments));
    return HostCommand.run(timeout, command);
  }

  private static Map<String, String> parseEnv(String output) {
    Map<String, String> env = new HashMap<>();
    for (String line : output.split("\n")) {
      int equals = line.indexOf('=');
      if (equals > 0) {
        env.put(line.substring(0, equals), line.substring(equals + 1).trim());
      }
    }
    for (String name : List.of("KUBECONFIG", "CONTAINERD_CERTS_DIR", "CONTAINERD_ADDRESS")) {
      if (!env.containsKey(name)) {
        throw new IllegalStateException("cluster.sh env printed no " + name + ":\n" + output);
      }
    }
    return env;
  }

  private static Path cacheDir() {
    String cache = System.getenv("REGISTRY_OPERATOR_CACHE");
    return cache != null
        ? Path.of(cache)
        : Path.of(System.getProperty("user.home"), ".cache", "registry-operator");
  }

  /** The kubectl built with the cluster (1.20.2): the one that matches the server. */
  private static Path kubectlBinary() {
    return cacheDir().resolve("bin/kubernetes-1.20.2/kubectl");
  }

  /** A current kubectl (1.36), for kustomize: what users of a current cluster run. */
  private static Path currentKubectl() {
    return cacheDir().resolve("bin/kube-apiserver-1.36.2/kubectl");
  }

  /** Gives test classes the cluster, starting it for the first of them. */
  public static final class Extension
      implements BeforeAllCallback, AfterAllCallback, ParameterResolver, TestWatcher {

    /** Says where to read why: the cluster's logs are written when the run ends. */
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      System.err.println(
          context.getDisplayName()
              + " failed on the real cluster: component logs, Events, kubectl describe and every"
              + " container's log are in "
              + LOGS.toAbsolutePath()
              + " once the run ends");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
      cluster(context);
    }

    /**
     * Fails the class when what it made the cluster show holds secret material: every container's
     * log (the operator's, nginx's, the registry's, the auth server's, the node agent's), every
     * Event, status and ConfigMap. Per class, because a class deletes its pods and their logs.
     */
    @Override
    public void afterAll(ExtensionContext context) {
      SecretScan scan = cluster(context).secretScan();
      List<SecretScan.Finding> findings = scan.findings();
      System.out.printf(
          "[cluster] %s: secret scan: %s, %d finding(s)%n",
          context.getRequiredTestClass().getSimpleName(), scan.summary(), findings.size());
      if (!findings.isEmpty()) {
        throw new AssertionError(
            "secret material where none may be (the material itself is not shown): " + findings);
      }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == RealCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      return cluster(context);
    }

    static RealCluster cluster(ExtensionContext context) {
      return context
          .getRoot()
          .getStore(ExtensionContext.Namespace.GLOBAL)
          .getOrComputeIfAbsent(RealCluster.class, key -> start(), RealCluster.class);
    }
  }
}
