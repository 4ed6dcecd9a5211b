package dev.registryoperator.demo;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.e2e.HostCommand;
import dev.registryoperator.e2e.OciImages;
import dev.registryoperator.e2e.PodRunner;
import dev.registryoperator.e2e.ServiceDns;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/**
 * The README's one command, after {@code scripts/demo.sh} has installed the packages, provisioned
 * the control-plane binaries and built the project: a real kube-apiserver, the operator jar as it
 * ships, the examples applied with kubectl, the registry pod the operator rendered run on this
 * machine by the pod runner, and an image pushed and pulled with skopeo as the example users over
 * verified TLS. Each step prints the commands it runs and where to look.
 *
 * <p>Everything stops at the end, or on failure, unless {@code --keep-running}; then it runs until
 * Ctrl-C or {@code scripts/demo.sh --stop} (SIGTERM), and stops in the shutdown hook.
 *
 * <p>Runs from the checkout with the test classpath (the pod runner and image writer are test
 * code); needs root for the pod's network and mount namespaces.
 */
public final class Demo {

  static final String NAMESPACE = "registry-demo";
  private static final int STEPS = 7;
  private static final String IMAGE = "demo/hello:v1";
  private static final long IMAGE_BYTES = 1 << 20;
  private static final Duration CONTROL_PLANE_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration OPERATOR_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration POD_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration POLL = Duration.ofMillis(250);
  private static final int LOG_TAIL = 10;
  private static final int LOG_LINE_WIDTH = 220;

  private final DemoLayout layout;
  private final DemoConsole console;
  private final boolean keepRunning;
  private final long started = System.nanoTime();

  private Examples examples;
  private ControlPlane controlPlane;
  private DemoShell shell;
  private ShippedOperator operator;
  private PodRunner pod;

  /** The pulled image's reference and the puller's files, once the push and pull worked. */
  private String inspectCommand;

  private boolean stopped;

  private Demo(DemoLayout layout, DemoConsole console, boolean keepRunning) {
    this.layout = layout;
    this.console = console;
    this.keepRunning = keepRunning;
  }

  public static void main(String[] args) throws Exception {
    boolean keepRunning = false;
    for (String arg : args) {
      if (arg.equals("--keep-running")) {
        keepRunning = true;
      } else {
        System.err.println("usage: Demo [--keep-running]   (run it through scripts/demo.sh)");
        System.exit(2);
      }
    }
    DemoLayout layout = DemoLayout.inWorkingDirectory();
    Files.createDirectories(layout.logs());
    routeLibraryLogsTo(layout.logs().resolve("demo.log"));
    Files.writeString(layout.pidFile(), ProcessHandle.current().pid() + "\n");

    Demo demo = new Demo(layout, new DemoConsole(System.out, STEPS), keepRunning);
    // Ctrl-C and `scripts/demo.sh --stop` end here too; and a --keep-running demo ends only so.
    Runtime.getRuntime().addShutdownHook(new Thread(demo::stopEverything, "demo-cleanup"));
    boolean succeeded = demo.run();
    if (keepRunning) {
      demo.printHowToStop();
      new CountDownLatch(1).await();
    }
    demo.stopEverything();
    System.exit(succeeded ? 0 : 1);
  }

  /**
   * Libraries (fabric8, the pod runner) log to a file; the terminal shows only the demo's story.
   */
  private static void routeLibraryLogsTo(Path file) {
    System.setProperty("org.slf4j.simpleLogger.logFile", file.toString());
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
  }

  private boolean run() {
    try {
      examples = Examples.read();
      startControlPlane();
      installCrdsAndRbac();
      startOperator();
      applyExamples();
      runRegistryPod();
      awaitReady();
      pushAndPull();
      checkOperatorLog();
      printSummary();
      return true;
    } catch (Exception e) {
      reportFailure(e);
      return false;
    }
  }

  // --- the steps ---------------------------------------------------------------------------------

  private void startControlPlane() throws IOException {
    console.step(
        "Starting the control plane: etcd and kube-apiserver "
            + ControlPlane.KUBERNETES_VERSION
            + " (listening on 127.0.0.1 only)");
    controlPlane = ControlPlane.start(layout, CONTROL_PLANE_TIMEOUT);
    shell = DemoShell.create(layout, console, controlPlane.kubectl());
    console.where("API server", controlPlane.serverUrl());
    console.where("kubeconfig", show(layout.adminKubeconfig()) + " (cluster admin)");
    console.where(
        "shell",
        "source "
            + show(layout.envFile())
            + "   (KUBECONFIG, and kubectl "
            + ControlPlane.KUBERNETES_VERSION
            + " and in-cluster on PATH: every command below runs that way)");
    console.where(
        "logs",
        show(layout.logs().resolve("etcd.log"))
            + ", "
            + show(layout.logs().resolve("kube-apiserver.log")));
    console.ok("API server ready");
  }

  private void installCrdsAndRbac() {
    console.step(
        "Installing the CRDs (crds/) and the operator's ServiceAccount and RBAC (deploy/)");
    // The CRDs carry CEL rules (x-kubernetes-validations) for current servers; kubectl's
    // client-side validation against this 1.20 server does not know that field, and the server
    // drops it when storing the CRD (see "Kubernetes versions" in the README).
    shell.run("kubectl apply --validate=false -k crds/");
    shell.run("kubectl wait --for condition=established --timeout 60s crd --all");
    shell.run("kubectl apply -f deploy/operator/namespace.yaml");
    shell.run(
        "kubectl apply -n "
            + ShippedOperator.LEASE_NAMESPACE
            + " -f deploy/operator/service-account.yaml -f deploy/operator/cluster-role.yaml -f deploy/operator/cluster-role-binding.yaml"
            + " -f deploy/operator/role.yaml -f deploy/operator/role-binding.yaml");
    console.note(
        "(deploy/operator/deployment.yaml is not applied: the operator runs as a local process, next step)");
    console.ok("CRDs established, RBAC in place");
  }

  private void startOperator() throws IOException {
    console.step("Starting the operator as shipped: " + show(ShippedOperator.JAR.toAbsolutePath()));
    int healthPort = ShippedOperator.choosePort();
    Path log = layout.logs().resolve("operator.log");
    console.command(
        String.join(" ", ShippedOperator.arguments(layout, healthPort))
            + " >"
            + show(log)
            + " 2>&1 &");
    operator = ShippedOperator.start(layout, healthPort);
    operator.whenItExits(
        code ->
            console.line(
                "\n!! The operator exited with code " + code + "; see " + show(operator.log())));
    console.where("identity", ControlPlane.OPERATOR_USER);
    console.where(
        "", "(the ServiceAccount's user name: only what deploy/operator/cluster-role.yaml grants)");
    console.where("health", operator.healthUrl("/healthz"));
    console.where("log", show(operator.log()));
    operator.awaitStarted(OPERATOR_TIMEOUT);
    console.ok("started (pid " + operator.pid() + "), /startup answers ok");
  }

  private void applyExamples() {
    console.step("Applying examples/ to namespace " + NAMESPACE + ": a registry and its users");
    shell.run("kubectl create namespace " + NAMESPACE);
    StringBuilder apply = new StringBuilder("kubectl apply -n " + NAMESPACE);
    examples.applied().forEach(file -> apply.append(" -f ").append(file));
    console.output(shell.run(apply.toString()).stdout());
    if (!examples.leftOut().isEmpty()) {
      console.note(
          "not applied: "
              + String.join(", ", examples.leftOut())
              + " (the demo runs one registry pod: the one above)");
    }
    console.ok("applied");
  }

  private void runRegistryPod() {
    RegistryNames names = RegistryNames.of(examples.registry());
    console.step(
        "Running the registry pod of Deployment "
            + NAMESPACE
            + "/"
            + names.deployment()
            + " on this machine, as a kubelet would");
    startPod();
    console.where(
        "pod",
        pod.podName()
            + " at "
            + pod.podIp()
            + " (network namespace "
            + pod.networkNamespace()
            + ")");
    console.where(
        "containers",
        "registry = Debian's docker-registry, proxy = Debian's nginx (stand-ins for the images)");
    console.where(
        "logs", show(podLogs()) + "/{" + String.join(",", pod.containerNames()) + "}.log");
    console.where(
        "DNS",
        names.inClusterHost(NAMESPACE)
            + " resolves to the pod for commands run through in-cluster");
    console.ok(
        "pod ready; Deployment status set to Available (no controller-manager runs here to do it)");
  }

  private void awaitReady() {
    console.step("Waiting for the operator to report the registry and its users Ready");
    PrivateRegistry registry = awaitRegistryReady();
    // The operator may have changed the pod template after the pod started (a hash of a Secret the
    // first render did not see yet): a cluster would roll the pod, so do that.
    if (pod.isOutdated()) {
      console.note(
          "the pod template changed after the pod started; replacing the pod, as a rollout would");
      pod.close();
      forgetPod();
      startPod();
      console.where(
          "new pod", pod.podName() + " at " + pod.podIp() + ", logs in " + show(podLogs()));
      registry = awaitRegistryReady();
    }
    List<RegistryUser> users = new ArrayList<>();
    for (String user : examples.users()) {
      users.add(awaitUserReady(user));
    }
    console.output(shell.run("kubectl get preg,reguser -n " + NAMESPACE).stdout());
    console.where("registry", registry.getStatus().url + "   (the Service's in-cluster URL)");
    console.where("CA", "ConfigMap " + registry.getStatus().caBundleConfigMap + ", key ca.crt");
    List<String> credentials = new ArrayList<>();
    for (RegistryUser user : users) {
      if (user.getStatus().credentialsSecret != null) {
        credentials.add(
            user.getStatus().username
                + ": password generated into Secret "
                + user.getStatus().credentialsSecret
                + "; read it with");
        credentials.add(
            "  kubectl get secret "
                + user.getStatus().credentialsSecret
                + " -n "
                + NAMESPACE
                + " -o jsonpath='{.data.password}' | base64 -d");
      } else {
        credentials.add(
            user.getStatus().username
                + ": password from your Secret "
                + user.getSpec().passwordSecretRef.name
                + " (key "
                + user.getSpec().passwordSecretRef.key
                + ")");
      }
    }
    console.where("credentials", credentials);
    console.where(
        "pull Secrets",
        String.join(
                ", ",
                users.stream().map(u -> u.getStatus().pullSecret).filter(Objects::nonNull).toList())
            + " (kubernetes.io/dockerconfigjson, plus ca.crt)");
    console.ok("registry Ready, " + users.size() + " users Ready");
  }

  private void pushAndPull() throws IOException {
    console.step(
        "Pushing and pulling an image as the example users, TLS verified against the registry's CA");
    RegistryNames names = RegistryNames.of(examples.registry());
    PrivateRegistry registry = registry();
    String host = registry.getStatus().url.replaceFirst("^https://", "");
    RegistryUser pusher = user(chooseUser(true));
    RegistryUser puller = user(chooseUser(false));

    Path client = Files.createDirectories(layout.client());
    Path certs = Files.createDirectories(client.resolve("certs"));
    shell.run(
        "kubectl get configmap "
            + names.caBundleConfigMap()
            + " -n "
            + NAMESPACE
            + " -o jsonpath='{.data.ca\\.crt}' > "
            + show(certs.resolve("ca.crt")));
    for (RegistryUser user : List.of(pusher, puller)) {
      shell.run(
          "kubectl get secret "
              + user.getStatus().pullSecret
              + " -n "
              + NAMESPACE
              + " -o jsonpath='{.data.\\.dockerconfigjson}' | base64 -d > "
              + show(authFile(user)));
    }

    HostCommand.Result anonymous =
        shell.run(
            "in-cluster curl -sS -o /dev/null -w '%{http_code}\\n' --cacert "
                + show(certs.resolve("ca.crt"))
                + " https://"
                + host
                + "/v2/");
    if (!anonymous.stdout().strip().equals("401")) {
      throw new IllegalStateException(
          "expected 401 without credentials, got " + anonymous.stdout().strip());
    }
    console.output("401: no credentials, no access");

    OciImages.OciImage image =
        OciImages.withRandomLayer(client.resolve("image"), "v1", IMAGE_BYTES);
    console.where(
        "image",
        show(image.layout())
            + ": an OCI layout with one layer of "
            + (IMAGE_BYTES >> 20)
            + " MiB random bytes, "
            + image.layerDigest());
    String remote = "docker://" + host + "/" + IMAGE;
    shell.run(
        "in-cluster skopeo copy --authfile "
            + show(authFile(pusher))
            + " --dest-cert-dir "
            + show(certs)
            + " oci:"
            + show(image.layout())
            + ":"
            + image.tag()
            + " "
            + remote);
    Path pulled = client.resolve("pulled");
    shell.run(
        "in-cluster skopeo copy --authfile "
            + show(authFile(puller))
            + " --src-cert-dir "
            + show(certs)
            + " "
            + remote
            + " oci:"
            + show(pulled)
            + ":v1");
    inspectCommand =
        "in-cluster skopeo inspect --authfile "
            + show(authFile(puller))
            + " --cert-dir "
            + show(certs)
            + " "
            + remote;
    Path layer = OciImages.blob(pulled, image.layerDigest());
    if (!Files.isRegularFile(layer) || !OciImages.digest(layer).equals(image.layerDigest())) {
      throw new IllegalStateException(
          "the pulled image in " + show(pulled) + " lacks layer " + image.layerDigest());
    }
    console.ok(
        pusher.getStatus().username
            + " pushed "
            + IMAGE
            + ", "
            + puller.getStatus().username
            + " pulled it back with the same layer "
            + image.layerDigest().substring(0, 19)
            + "...");
  }

  /**
   * The demo runs the operator with exactly the permissions deploy/ grants: a refusal in its log
   * means the ClusterRole lacks a rule, which a cluster would show as errors or a crash loop.
   */
  private void checkOperatorLog() throws IOException {
    console.phase("the final check of the operator's log");
    var refusals = operator.refusals();
    if (!refusals.isEmpty()) {
      throw new IllegalStateException(
          "the push and pull worked, but the API server refused the operator: "
              + String.join("; ", refusals)
              + ".\n"
              + "deploy/operator/cluster-role.yaml lacks these permissions; in a cluster the operator would fail the same way.");
    }
    if (!operator.isRunning()) {
      throw new IllegalStateException(
          "the operator is no longer running; see " + show(operator.log()));
    }
  }

  private void printSummary() {
    RegistryUser puller = user(chooseUser(false));
    console.blank();
    console.line(
        String.format(
            Locale.ROOT,
            "Success in %.0f s: an authenticated push and pull over verified TLS, through the registry the operator built.",
            (System.nanoTime() - started) / 1e9));
    console.line("Where to look:");
    console.where(
        "kubeconfig",
        show(layout.adminKubeconfig()) + "   (source " + show(layout.envFile()) + ")");
    console.where(
        "registry",
        registry().getStatus().url
            + "   (from here: in-cluster curl --cacert "
            + show(layout.client().resolve("certs/ca.crt"))
            + " -u USER:PASSWORD ...)");
    console.where(
        "credentials",
        "Secret "
            + Optional.ofNullable(puller.getStatus().credentialsSecret).orElse("-")
            + " (generated), pull Secrets, client files in "
            + show(layout.client()));
    console.where(
        "logs",
        show(layout.logs()) + "/: operator.log, kube-apiserver.log, etcd.log, pods/, demo.log");
    if (!keepRunning) {
      console.line("To look around before it stops: scripts/demo.sh --keep-running");
    }
  }

  private void printHowToStop() {
    console.blank();
    console.line(
        "Everything started keeps running (--keep-running). In another terminal, from "
            + layout.repo()
            + ":");
    console.line("  source " + show(layout.envFile()));
    console.line("  kubectl get preg,reguser,secrets -n " + NAMESPACE);
    if (inspectCommand != null) {
      console.line("  " + inspectCommand);
    }
    console.line("Stop it with Ctrl-C here, or: scripts/demo.sh --stop");
  }

  // --- helpers -----------------------------------------------------------------------------------

  private void startPod() {
    RegistryNames names = RegistryNames.of(examples.registry());
    KubernetesClient admin = controlPlane.admin();
    pod =
        PodRunner.builder(admin, NAMESPACE, names.deployment())
            .claimsRoot(layout.claims())
            .logsRoot(layout.logs().resolve("pods"))
            .waitForObjects(POD_TIMEOUT)
            .start();
    recordPod();
    pod.awaitReady(POD_TIMEOUT);
    pod.reportDeploymentAvailable();
    ServiceDns.resolving(layout.dir(), pod.podIp(), names.serviceDnsNames(NAMESPACE));
  }

  private void recordPod() {
    try {
      Files.writeString(layout.podRecord(), pod.networkNamespace() + " " + pod.podName() + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A stale record is harmless: scripts/demo.sh checks the namespace's processes are this pod's.
   */
  private void forgetPod() {
    try {
      Files.deleteIfExists(layout.podRecord());
    } catch (IOException e) {
      LoggerFactory.getLogger(Demo.class).warn("cannot delete {}", layout.podRecord(), e);
    }
  }

  private Path podLogs() {
    return layout.logs().resolve("pods").resolve(pod.podName());
  }

  private PrivateRegistry registry() {
    return controlPlane
        .admin()
        .resources(PrivateRegistry.class)
        .inNamespace(NAMESPACE)
        .withName(examples.registry())
        .get();
  }

  private RegistryUser user(String name) {
    return controlPlane
        .admin()
        .resources(RegistryUser.class)
        .inNamespace(NAMESPACE)
        .withName(name)
        .get();
  }

  /**
   * The pusher: the user with a password of their own (alice) if there is one; the puller: the user
   * with a generated password (ci-pull) if there is one. Both are the examples' users.
   */
  private String chooseUser(boolean ownPassword) {
    return examples.users().stream()
        .filter(name -> (user(name).getSpec().passwordSecretRef != null) == ownPassword)
        .findFirst()
        .orElse(examples.users().get(0));
  }

  private Path authFile(RegistryUser user) {
    return layout.client().resolve(user.getMetadata().getName() + ".json");
  }

  private PrivateRegistry awaitRegistryReady() {
    return poll(
        "PrivateRegistry " + NAMESPACE + "/" + examples.registry() + " to be Ready",
        this::registry,
        found ->
            found != null
                && ready(
                    found.getMetadata().getGeneration(),
                    found.getStatus() == null ? null : found.getStatus().observedGeneration,
                    found.getStatus() == null ? null : found.getStatus().conditions),
        found ->
            found == null || found.getStatus() == null
                ? "no status yet"
                : describe(found.getStatus().conditions));
  }

  private RegistryUser awaitUserReady(String name) {
    return poll(
        "RegistryUser " + NAMESPACE + "/" + name + " to be Ready",
        () -> user(name),
        found ->
            found != null
                && ready(
                    found.getMetadata().getGeneration(),
                    found.getStatus() == null ? null : found.getStatus().observedGeneration,
                    found.getStatus() == null ? null : found.getStatus().conditions),
        found ->
            found == null || found.getStatus() == null
                ? "no status yet"
                : describe(found.getStatus().conditions));
  }

  private static boolean ready(
      Long generation, Long observedGeneration, List<Condition> conditions) {
    return Objects.equals(generation, observedGeneration)
        && Conditions.find(conditions, Conditions.READY)
            .map(c -> "True".equals(c.getStatus()))
            .orElse(false);
  }

  private static String describe(List<Condition> conditions) {
    return Conditions.find(conditions, Conditions.READY)
        .map(c -> "Ready=" + c.getStatus() + " " + c.getReason() + ": " + c.getMessage())
        .orElse("no Ready condition yet");
  }

  private <T> T poll(
      String what, Supplier<T> read, Predicate<T> done, Function<T, String> describe) {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    T last = null;
    while (System.nanoTime() < deadline) {
      if (operator != null && !operator.isRunning()) {
        throw new IllegalStateException("the operator exited while waiting for " + what);
      }
      last = read.get();
      if (done.test(last)) {
        return last;
      }
      ControlPlane.sleep(POLL);
    }
    throw new IllegalStateException(
        "waited "
            + READY_TIMEOUT.toSeconds()
            + " s for "
            + what
            + "; last seen: "
            + describe.apply(last));
  }

  private String show(Path path) {
    return layout.show(path);
  }

  // --- failure and cleanup -----------------------------------------------------------------------

  private void reportFailure(Exception e) {
    LoggerFactory.getLogger(Demo.class).error("the demo failed at {}", console.currentStep(), e);
    console.blank();
    console.line("FAILED at " + console.currentStep() + ":");
    String message = Objects.requireNonNullElse(e.getMessage(), e.toString());
    List<String> lines = message.lines().toList();
    lines.stream().limit(40).forEach(line -> console.line("  " + line));
    if (lines.size() > 40) {
      console.line(
          "  ... ("
              + (lines.size() - 40)
              + " more lines in "
              + show(layout.logs().resolve("demo.log"))
              + ")");
    }
    console.line("Where to look:");
    console.where("operator", show(layout.logs().resolve("operator.log")));
    console.where(
        "control plane",
        show(layout.logs().resolve("kube-apiserver.log"))
            + ", "
            + show(layout.logs().resolve("etcd.log")));
    console.where(
        "registry pod", show(layout.logs().resolve("pods")) + "/<pod>/{registry,proxy}.log");
    console.where(
        "the demo", show(layout.logs().resolve("demo.log")) + " (stack trace, pod runner)");
    Path operatorLog = layout.logs().resolve("operator.log");
    if (Files.isRegularFile(operatorLog)) {
      try {
        // Log lines only, shortened: stack traces say little in a demo's output; the file has them.
        List<String> log =
            Files.readAllLines(operatorLog).stream()
                .filter(line -> line.matches("^\\d{4}-\\d{2}-\\d{2}T.*"))
                .map(
                    line ->
                        line.length() > LOG_LINE_WIDTH
                            ? line.substring(0, LOG_LINE_WIDTH) + " ..."
                            : line)
                .toList();
        if (!log.isEmpty()) {
          console.line("--- last lines of " + show(operatorLog) + " ---");
          log.subList(Math.max(0, log.size() - LOG_TAIL), log.size()).forEach(console::line);
          console.line("---");
        }
      } catch (IOException ignored) {
        // The pointer above is enough.
      }
    }
  }

  /** Stops what was started, newest first; runs once, from main or from the shutdown hook. */
  private synchronized void stopEverything() {
    if (stopped) {
      return;
    }
    stopped = true;
    List<String> stopping = new ArrayList<>();
    if (pod != null) {
      stopping.add("the registry pod");
    }
    if (operator != null) {
      stopping.add("the operator");
    }
    if (controlPlane != null) {
      stopping.add("kube-apiserver and etcd");
    }
    if (!stopping.isEmpty()) {
      console.blank();
      console.line("Stopping " + String.join(", ", stopping) + " ...");
    }
    long stoppingStarted = System.nanoTime();
    List<String> problems = new ArrayList<>();
    stop(pod, "the registry pod", problems);
    forgetPod();
    stop(operator, "the operator", problems);
    stop(controlPlane, "the control plane", problems);
    try {
      Files.deleteIfExists(layout.pidFile());
    } catch (IOException e) {
      problems.add("cannot delete " + show(layout.pidFile()));
    }
    if (problems.isEmpty()) {
      console.line(
          String.format(
              Locale.ROOT,
              "Stopped in %.1f s: nothing of the demo is running. Logs stay in %s/.",
              (System.nanoTime() - stoppingStarted) / 1e9,
              show(layout.logs())));
    } else {
      console.line("Stopping had problems:");
      problems.forEach(problem -> console.line("  - " + problem));
    }
    if (operator != null && operator.wasKilled()) {
      console.line(
          "Note: the operator ignored SIGTERM for "
              + ShippedOperator.stopGrace().toSeconds()
              + " s and was killed; a cluster would wait terminationGracePeriodSeconds, then do the same.");
    }
  }

  private static void stop(AutoCloseable resource, String name, List<String> problems) {
    if (resource == null) {
      return;
    }
    try {
      resource.close();
    } catch (Exception e) {
      problems.add("could not stop " + name + ": " + e.getMessage());
    }
  }
}
