package dev.registryoperator;

import dev.registryoperator.kube.OwnImage;
import dev.registryoperator.nodeagent.NodeAgentSettings;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "registry-operator",
    subcommands = {
      dev.registryoperator.authserver.AuthServerCommand.class,
      dev.registryoperator.nodeagent.NodeAgentCommand.class
    },
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Runs the Registry Operator: turns PrivateRegistry and RegistryUser resources into"
          + " authenticated, TLS-protected container registries.",
      "",
      "Connects with --kubeconfig, else $KUBECONFIG, ~/.kube/config or the in-cluster"
          + " service account, in that order."
    })
public final class Main implements Callable<Integer> {

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "Kubeconfig file to use instead of the default lookup.")
  private Path kubeconfig;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      description = "Namespace to watch (repeatable). Default: all namespaces.")
  private List<String> namespaces = List.of();

  @Option(
      names = "--health-port",
      paramLabel = "PORT",
      defaultValue = "8080",
      description =
          "Port of the /startup and /healthz probe endpoints (0 to disable). Default: ${DEFAULT-VALUE}.")
  private int healthPort;

  @Option(
      names = "--leader-election-namespace",
      paramLabel = "NS",
      description =
          "Enable leader election with a Lease in this namespace, so that several replicas can run"
              + " and only one reconciles.")
  private String leaseNamespace;

  @Option(
      names = "--auth-server-image",
      paramLabel = "IMAGE",
      description =
          "Image of the registries' auth server containers. Default: the image of this pod's"
              + " 'operator' container (read through POD_NAME and POD_NAMESPACE), else "
              + RegistryOperator.Settings.DEFAULT_OPERATOR_IMAGE
              + ".")
  private String authServerImage;

  @Option(
      names = "--node-agent",
      description =
          "Run the node agent, a DaemonSet that makes every node trust and resolve the"
              + " registries, so that kubelet can pull from them. Installed with"
              + " deploy/node-agent/, which grants what it needs.")
  private boolean nodeAgent;

  @Option(
      names = "--node-agent-namespace",
      paramLabel = "NS",
      defaultValue = NodeAgentSettings.DEFAULT_NAMESPACE,
      description =
          "Namespace of the node agent's DaemonSet and the nodes' reports; it may not enforce a"
              + " Pod Security level below privileged (the agent mounts host paths)."
              + " Default: ${DEFAULT-VALUE}.")
  private String nodeAgentNamespace;

  @Option(
      names = "--node-agent-containerd-certs-dir",
      paramLabel = "DIR",
      defaultValue = NodeAgentSettings.DEFAULT_CONTAINERD_CERTS_DIR,
      description = "containerd's registry config_path on the nodes. Default: ${DEFAULT-VALUE}.")
  private String nodeAgentContainerdCertsDir;

  @Option(
      names = "--node-agent-docker-certs-dir",
      paramLabel = "DIR",
      description =
          "Docker's certs.d on the nodes (/etc/docker/certs.d), for nodes running Docker.")
  private String nodeAgentDockerCertsDir;

  @Option(
      names = "--node-agent-hosts-file",
      paramLabel = "FILE",
      defaultValue = NodeAgentSettings.DEFAULT_HOSTS_FILE,
      description = "The nodes' hosts file. Default: ${DEFAULT-VALUE}.")
  private String nodeAgentHostsFile;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    KubernetesClientBuilder builder = new KubernetesClientBuilder();
    if (kubeconfig != null) {
      builder.withConfig(
          Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString()));
    }
    KubernetesClient client = builder.build();
    awaitApiServer(client);
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    String operatorImage = authServerImage(client);
    RegistryOperator.Settings settings =
        RegistryOperator.Settings.production(
            new LinkedHashSet<>(namespaces), leaseNamespace, meters, operatorImage);
    Operator operator =
        RegistryOperator.create(
            client,
            settings.withNodeAgent(
                new NodeAgentSettings(
                    nodeAgent,
                    nodeAgentNamespace,
                    operatorImage,
                    nodeAgentContainerdCertsDir,
                    nodeAgentDockerCertsDir,
                    nodeAgentHostsFile)));
    HealthServer health =
        healthPort > 0 ? HealthServer.start(healthPort, operator, meters::scrape) : null;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  operator.stop();
                  if (health != null) {
                    health.stop();
                  }
                  client.close();
                  stopped.countDown();
                }));
    operator.start();
    stopped.await();
    return 0;
  }

  /**
   * Asks without the client's own retries, which back off for up to ~20 s per request: the wait
   * should see the API server return within its pause.
   */
  private static void awaitApiServer(KubernetesClient client) throws InterruptedException {
    Config once =
        new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0).build();
    try (KubernetesClient asking = new KubernetesClientBuilder().withConfig(once).build()) {
      ApiServerWait.untilAnswered(
          client.getMasterUrl().toString(),
          asking::getKubernetesVersion,
          ApiServerWait.LIMIT,
          pause -> Thread.sleep(pause.toMillis()),
          System::nanoTime);
    }
  }

  private String authServerImage(KubernetesClient client) {
    if (authServerImage != null) {
      return authServerImage;
    }
    return OwnImage.discover(client, System.getenv())
        .orElse(RegistryOperator.Settings.DEFAULT_OPERATOR_IMAGE);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {
        "registry-operator " + (version == null ? "(development build)" : version)
      };
    }
  }
}
