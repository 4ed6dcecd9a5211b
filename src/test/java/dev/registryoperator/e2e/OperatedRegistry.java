package dev.registryoperator.e2e;

import dev.registryoperator.RegistryOperator;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.it.RealApiServer;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.naming.UserSecretNames;
import dev.registryoperator.registry.model.Ports;
import dev.registryoperator.status.Conditions;
import dev.registryoperator.testing.Edits;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.Operator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * A PrivateRegistry as a cluster runs it, on this machine: the operator exactly as production
 * assembles it (server-side apply on, all namespaces) reconciles the registry on a real
 * kube-apiserver, a {@link PodRunner} runs the Deployment the operator wrote (the real registry and
 * nginx with the Secrets and ConfigMaps the operator wrote, kept in sync), and this class plays the
 * Deployment controller by reporting the Deployment available once the pod is ready.
 *
 * <p>Clients reach the proxy as in-cluster clients would: by the Service's DNS name ({@link
 * ServiceDns}), verifying TLS against the CA bundle the operator published in the registry's {@code
 * <registry>-ca-bundle} ConfigMap, never against anything the test made itself.
 */
final class OperatedRegistry implements AutoCloseable {

  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final Duration POLL = Duration.ofMillis(200);

  /** How long the operator must leave the Deployment alone before its pod is started. */
  private static final Duration SETTLED = Duration.ofSeconds(2);

  private static final Duration CURL_TIMEOUT = Duration.ofSeconds(20);
  private static final String API_VERSION = PrivateRegistry.GROUP + "/" + PrivateRegistry.VERSION;

  private final KubernetesClient kube;
  private final Operator operator;
  private final String namespace;
  private final RegistryNames names;
  private final Path workDir;
  private PodRunner pod;

  /**
   * Every pod this registry ran, the replaced ones too: their logs stay under {@link #LOGS_ROOT}.
   */
  private final List<String> podNames = new ArrayList<>();

  private static final Path LOGS_ROOT = Path.of("target", "pod-runner-logs");
  private ServiceDns dns;
  private Path caFile;
  private int proxyPort;

  private OperatedRegistry(
      KubernetesClient kube, Operator operator, String namespace, String registry, Path workDir) {
    this.kube = kube;
    this.operator = operator;
    this.namespace = namespace;
    this.names = RegistryNames.of(registry);
    this.workDir = workDir;
  }

  /**
   * Starts the operator, creates the registry from {@code specYaml} (the manifest's {@code spec:}
   * block) in a new namespace, waits until the operator has settled it, runs its pod, reports the
   * Deployment available and waits for Ready=True. Closes what it started when anything fails.
   */
  static OperatedRegistry start(RealApiServer api, Path workDir, String registry, String specYaml) {
    // A client of its own, as the operator's pod would have (its ServiceAccount and RBAC from
    // deploy/operator/); closed with the API server.
    KubernetesClient operatorClient = api.newOperatorClient(http -> {});
    Operator operator =
        RegistryOperator.create(
            operatorClient, RegistryOperator.Settings.production(Set.of(), null));
    operator.start();
    OperatedRegistry started =
        new OperatedRegistry(api.client(), operator, api.newNamespace("e2e"), registry, workDir);
    try {
      started.createAndRun(specYaml);
      return started;
    } catch (RuntimeException | Error e) {
      started.close();
      throw e;
    }
  }

  private void createAndRun(String specYaml) {
    String manifest =
        """
        apiVersion: %s
        kind: PrivateRegistry
        metadata:
          name: %s
        """
                .formatted(API_VERSION, names.registry())
            + specYaml;
    GenericKubernetesResource resource =
        kube.getKubernetesSerialization().unmarshal(manifest, GenericKubernetesResource.class);
    resource.getMetadata().setNamespace(namespace);
    kube.resource(resource).create();

    // Status is written after the whole workflow: the Deployment and everything it mounts exist.
    // The pod template must also have stopped changing, or a cluster would replace the pod that is
    // about to start.
    awaitRegistryReady("DeploymentUnavailable");
    runPod();
  }

  /**
   * Replaces the pod with one from the Deployment as it is now, as a rollout does (the runner does
   * not follow template changes): for a spec change that rolls the pod, such as the auth mode.
   */
  void replacePod() {
    pod.close();
    pod = null;
    await("the operator to see the old pod gone")
        .ignoreException(KubernetesClientException.class)
        .until(
            () -> {
              PrivateRegistry current =
                  kube.resources(PrivateRegistry.class)
                      .inNamespace(namespace)
                      .withName(names.registry())
                      .get();
              return current.getStatus() != null
                  && Objects.equals(
                      current.getMetadata().getGeneration(),
                      current.getStatus().observedGeneration);
            });
    runPod();
  }

  private void runPod() {
    long firstGeneration = deploymentGeneration();
    AtomicReference<Long> generation = new AtomicReference<>();
    await("the Deployment to stay unchanged for " + SETTLED)
        .during(SETTLED)
        .until(
            () -> {
              long current = deploymentGeneration();
              Long previous = generation.getAndSet(current);
              return previous != null && previous == current;
            });
    if (generation.get() != firstGeneration) {
      System.out.printf(
          "[e2e] the operator changed Deployment %s/%s after reporting status (generation %d -> %d)%n",
          namespace, names.deployment(), firstGeneration, generation.get());
    }
    // The claim's data outlives the pod, as a bound volume does: a replaced pod serves it again.
    pod =
        PodRunner.builder(kube, namespace, names.deployment())
            .logsRoot(LOGS_ROOT)
            .claimsRoot(workDir.resolve("claims"))
            .start();
    podNames.add(pod.podName());
    pod.awaitReady(TIMEOUT);
    await("the Deployment's status to be written")
        .ignoreException(KubernetesClientException.class)
        .until(
            () -> {
              pod.reportDeploymentAvailable();
              return true;
            });
    PrivateRegistry ready = awaitRegistryReady("Available");
    proxyPort = ready.getSpec().proxy.port;

    try {
      Path certs = Files.createDirectories(workDir.resolve("published-ca"));
      caFile = certs.resolve("ca.crt");
      Files.writeString(caFile, publishedCa());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    dns = ServiceDns.resolving(workDir, pod.podIp(), names.serviceDnsNames(namespace));
  }

  private long deploymentGeneration() {
    return kube.apps()
        .deployments()
        .inNamespace(namespace)
        .withName(names.deployment())
        .get()
        .getMetadata()
        .getGeneration();
  }

  private PrivateRegistry awaitRegistryReady(String reason) {
    AtomicReference<PrivateRegistry> seen = new AtomicReference<>();
    await(
            "PrivateRegistry "
                + namespace
                + "/"
                + names.registry()
                + " to report Ready reason "
                + reason)
        .until(
            () -> {
              PrivateRegistry current =
                  seen.updateAndGet(
                      previous ->
                          kube.resources(PrivateRegistry.class)
                              .inNamespace(namespace)
                              .withName(names.registry())
                              .get());
              return current != null
                  && current.getStatus() != null
                  && Objects.equals(
                      current.getMetadata().getGeneration(), current.getStatus().observedGeneration)
                  && Conditions.find(current.getStatus().conditions, Conditions.READY)
                      .map(Condition::getReason)
                      .filter(reason::equals)
                      .isPresent();
            });
    return seen.get();
  }

  KubernetesClient kube() {
    return kube;
  }

  String namespace() {
    return namespace;
  }

  RegistryNames names() {
    return names;
  }

  PodRunner pod() {
    return pod;
  }

  ServiceDns dns() {
    return dns;
  }

  /** The directory skopeo's {@code --cert-dir} options take: the published CA as {@code ca.crt}. */
  Path caDir() {
    return caFile.getParent();
  }

  /** The CA certificate as the operator publishes it, in the CA bundle ConfigMap. */
  String publishedCa() {
    ConfigMap bundle =
        kube.configMaps().inNamespace(namespace).withName(names.caBundleConfigMap()).get();
    return Objects.requireNonNull(
        bundle.getData().get(Keys.CA_CERT), "the CA bundle has no " + Keys.CA_CERT);
  }

  /** host:port of the proxy as in-cluster clients address it, and as the pull Secrets name it. */
  String proxyHost() {
    return names.inClusterHost(namespace) + ":" + proxyPort;
  }

  /** A skopeo / containers-image reference to a repository of this registry through the proxy. */
  String proxyReference(String repositoryAndTag) {
    return "docker://" + proxyHost() + "/" + repositoryAndTag;
  }

  // --- users ---------------------------------------------------------------------------------

  /**
   * Creates a RegistryUser of this registry; {@code specYaml} lines go under spec, after
   * registryRef.
   */
  RegistryUser createUser(String name, String extraSpecYaml) {
    String manifest =
        """
        apiVersion: %s
        kind: RegistryUser
        metadata:
          name: %s
          namespace: %s
        spec:
          registryRef: %s
        """
                .formatted(API_VERSION, name, namespace, names.registry())
            + extraSpecYaml.indent(2);
    RegistryUser user = kube.getKubernetesSerialization().unmarshal(manifest, RegistryUser.class);
    return kube.resource(user).create();
  }

  void editUser(String name, Consumer<RegistryUser> change) {
    kube.resources(RegistryUser.class)
        .inNamespace(namespace)
        .withName(name)
        .edit(Edits.unlocked(change));
  }

  void editRegistry(Consumer<PrivateRegistry> change) {
    kube.resources(PrivateRegistry.class)
        .inNamespace(namespace)
        .withName(names.registry())
        .edit(Edits.unlocked(change));
  }

  void deleteUser(String name) {
    kube.resources(RegistryUser.class).inNamespace(namespace).withName(name).delete();
  }

  /**
   * Waits until the operator reports the user Ready (its entry is in the registry's htpasswd
   * Secret).
   */
  RegistryUser awaitUserReady(String name) {
    AtomicReference<RegistryUser> seen = new AtomicReference<>();
    await("RegistryUser " + namespace + "/" + name + " to be Ready")
        .until(
            () -> {
              RegistryUser current =
                  seen.updateAndGet(
                      previous ->
                          kube.resources(RegistryUser.class)
                              .inNamespace(namespace)
                              .withName(name)
                              .get());
              return current != null
                  && current.getStatus() != null
                  && Objects.equals(
                      current.getMetadata().getGeneration(), current.getStatus().observedGeneration)
                  && Conditions.isTrue(current.getStatus().conditions, Conditions.READY);
            });
    return seen.get();
  }

  Secret secret(String name) {
    return kube.secrets().inNamespace(namespace).withName(name).get();
  }

  /** The password the operator generated for a user without passwordSecretRef. */
  String generatedPassword(String user) {
    return SecretData.decode(secret(userNames(user).credentialsSecret()), Keys.PASSWORD)
        .orElseThrow();
  }

  /** The user's pull Secret's docker config, written where {@code --authfile} can read it. */
  Path authFileOf(String user) {
    Secret pullSecret = secret(userNames(user).pullSecret());
    String dockerConfig = SecretData.decode(pullSecret, Keys.DOCKER_CONFIG).orElseThrow();
    try {
      Path file =
          Files.createDirectories(workDir.resolve("auth"))
              .resolve(user + "-" + System.nanoTime() + ".json");
      Files.writeString(file, dockerConfig);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Names of a user's Secrets, by the RegistryUser's name. */
  static UserSecretNames userNames(String user) {
    return Fixtures.userSecretNames(user);
  }

  /** Creates or replaces a Secret the test owns, as a user keeps their own password. */
  void putPasswordSecret(String name, String password) {
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .endMetadata()
            .withData(SecretData.encode(Map.of(Keys.PASSWORD, password)))
            .build();
    kube.resource(secret).createOr(existing -> existing.update());
  }

  /**
   * Waits until the proxy answers {@code /v2/} with {@code status} for these credentials: the
   * operator's htpasswd Secret reached the pod's volume (the runner syncs every 0.5 s) and nginx
   * read it.
   */
  void awaitLogin(String user, String password, int status) {
    await("GET /v2/ as " + user + " to answer " + status)
        .until(() -> get("/v2/", user, password).status() == status);
  }

  // --- HTTP through the proxy ----------------------------------------------------------------

  /** An HTTP answer: the status and the header lines of the final response. */
  record Answer(int status, List<String> headerLines) {
    List<String> headers(String name) {
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      return headerLines.stream()
          .filter(line -> line.toLowerCase(Locale.ROOT).startsWith(prefix))
          .map(line -> line.substring(prefix.length()).trim())
          .toList();
    }
  }

  Answer get(String path, String user, String password) {
    return request("GET", path, user, password, null);
  }

  /**
   * A request with curl through the Service's name, verifying the certificate against the published
   * CA.
   *
   * @param user null for an anonymous request
   * @param userAgent null for curl's own
   */
  Answer request(String method, String path, String user, String password, String userAgent) {
    List<String> extra = new ArrayList<>();
    if (user != null) {
      extra.addAll(List.of("-u", user + ":" + password));
    }
    if (userAgent != null) {
      extra.addAll(List.of("-A", userAgent));
    }
    return request(method, path, extra);
  }

  /**
   * What Prometheus gets from the pod's metrics port (plain HTTP on the pod IP, never the public
   * 15000) at {@code path}; a non-2xx answer fails.
   */
  String scrapeMetricsPort(String path) {
    return dns.run(
            CURL_TIMEOUT, "curl", "-sS", "-f", "http://" + pod.podIp() + ":" + Ports.METRICS + path)
        .orThrow()
        .stdout();
  }

  /** A request with a bearer token, as a client does in the token modes. */
  Answer requestWithToken(String method, String path, String token) {
    return request(method, path, List.of("-H", "Authorization: Bearer " + token));
  }

  /**
   * The body of a GET through the proxy (a token, a catalog), with basic credentials unless user is
   * null.
   */
  String body(String path, String user, String password) {
    List<String> command =
        new ArrayList<>(
            List.of("/usr/bin/curl", "-sS", "--max-time", "10", "--cacert", caFile.toString()));
    if (user != null) {
      command.addAll(List.of("-u", user + ":" + password));
    }
    command.add("https://" + proxyHost() + path);
    return dns.run(CURL_TIMEOUT, Map.of("PATH", "/usr/bin:/bin"), command).orThrow().stdout();
  }

  private Answer request(String method, String path, List<String> extraCurlArguments) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "/usr/bin/curl",
                "-sS",
                "--max-time",
                "10",
                "--cacert",
                caFile.toString(),
                "-D",
                "-",
                "-o",
                "/dev/null",
                "-w",
                "\n%{http_code}"));
    command.addAll("HEAD".equals(method) ? List.of("-I") : List.of("-X", method));
    command.addAll(extraCurlArguments);
    command.add("https://" + proxyHost() + path);
    HostCommand.Result result =
        dns.run(CURL_TIMEOUT, Map.of("PATH", "/usr/bin:/bin"), command).orThrow();
    String[] lines = result.stdout().split("\r?\n");
    return new Answer(
        Integer.parseInt(lines[lines.length - 1].trim()),
        List.of(lines).subList(0, lines.length - 1));
  }

  static ConditionFactory await(String description) {
    return Awaitility.await(description).atMost(TIMEOUT).pollInterval(POLL);
  }

  /**
   * The log files of every container of every pod this registry ran (a mode switch replaces the
   * pod), by path.
   */
  Map<Path, String> containerLogs() {
    Map<Path, String> logs = new LinkedHashMap<>();
    for (String podName : podNames) {
      try (var files = Files.list(LOGS_ROOT.resolve(podName))) {
        for (Path file : files.sorted().toList()) {
          logs.put(file, new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the logs of pod " + podName, e);
      }
    }
    return logs;
  }

  /** The pod's logs, for failure messages. */
  String describe() {
    return pod == null ? "no pod" : pod.describe();
  }

  /** Deletes the pod and stops the operator; the API server belongs to the caller. */
  @Override
  public void close() {
    try {
      if (pod != null) {
        pod.close();
      }
    } finally {
      operator.stop();
    }
  }
}
