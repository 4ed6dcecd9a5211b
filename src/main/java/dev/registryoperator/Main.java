package dev.registryoperator;

import dev.registryoperator.kube.OwnImage;
import io.fabric8.kubernetes.client.Config;
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
    subcommands = dev.registryoperator.authserver.AuthServerCommand.class,
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
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Operator operator =
        RegistryOperator.create(
            client,
            RegistryOperator.Settings.production(
                new LinkedHashSet<>(namespaces), leaseNamespace, meters, authServerImage(client)));
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
