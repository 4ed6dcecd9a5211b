package dev.registryoperator.nodeagent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code registry-operator node-agent ...}: run by the DaemonSet the operator manages with {@code
 * --node-agent}, one per node. Makes the node's container runtime trust each registry's CA and
 * resolve its Service names, so that kubelet can pull images from the registries; reports what it
 * configured.
 *
 * <p>It reads PrivateRegistries (their {@code status.nodeAccess}) and nothing else from the API: no
 * Secret, no ConfigMap of anyone else.
 */
@Command(
    name = "node-agent",
    mixinStandardHelpOptions = true,
    description = {
      "Configures this node's container runtime for every PrivateRegistry: containerd's"
          + " hosts.toml and CA per host:port, Docker's certs.d where the node has one, and the"
          + " registries' Service names in the hosts file. Removes what it wrote when a registry"
          + " goes away. Reads NODE_NAME, POD_NAMESPACE, POD_NAME and POD_UID from the"
          + " environment for its report."
    })
public final class NodeAgentCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(NodeAgentCommand.class);

  /** Also repairs files someone removed on the node, which no API event announces. */
  private static final long RESYNC_SECONDS = 60;

  @Option(
      names = "--containerd-certs-dir",
      paramLabel = "DIR",
      required = true,
      description =
          "containerd's registry config_path, the same path inside the pod as on the node.")
  private Path containerdCertsDir;

  @Option(
      names = "--docker-certs-dir",
      paramLabel = "DIR",
      description = "Docker's certs.d; written only when it exists on the node.")
  private Path dockerCertsDir;

  @Option(
      names = "--hosts-file",
      paramLabel = "FILE",
      required = true,
      description = "The node's hosts file, as mounted in the pod.")
  private Path hostsFile;

  @Override
  public Integer call() throws Exception {
    Map<String, String> env = System.getenv();
    NodeIdentity identity =
        new NodeIdentity(
            required(env, "NODE_NAME"),
            required(env, "POD_NAMESPACE"),
            required(env, "POD_NAME"),
            required(env, "POD_UID"));
    NodeConfigurator configurator =
        new NodeConfigurator(containerdCertsDir, Optional.ofNullable(dockerCertsDir), hostsFile);
    ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      SharedIndexInformer<PrivateRegistry> registries =
          client.resources(PrivateRegistry.class).inAnyNamespace().runnableInformer(0);
      NodeAgent agent =
          new NodeAgent(
              identity,
              () -> registries.getStore().list(),
              configurator,
              containerdCertsDir,
              client,
              loop);
      registries.addEventHandler(new Changes(agent::syncSoon));
      registries.run();
      loop.scheduleWithFixedDelay(agent::syncSoon, 0, RESYNC_SECONDS, TimeUnit.SECONDS);
      log.info(
          "Node agent on {} started: containerd {}, Docker {}, hosts file {}",
          identity.node(),
          containerdCertsDir,
          Objects.requireNonNullElse(dockerCertsDir, "(none)"),
          hostsFile);
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
      stopped.await();
      loop.shutdownNow();
      registries.stop();
    }
    return 0;
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(
          name + " is not set; the DaemonSet sets it from the downward API");
    }
    return value;
  }

  /** Any change of any registry may change the node's files: sync (coalesced). */
  private record Changes(Runnable onChange) implements ResourceEventHandler<PrivateRegistry> {
    @Override
    public void onAdd(PrivateRegistry registry) {
      onChange.run();
    }

    @Override
    public void onUpdate(PrivateRegistry before, PrivateRegistry after) {
      if (!NodeTrust.of(before).equals(NodeTrust.of(after))) {
        onChange.run();
      }
    }

    @Override
    public void onDelete(PrivateRegistry registry, boolean deletedFinalStateUnknown) {
      onChange.run();
    }
  }
}
