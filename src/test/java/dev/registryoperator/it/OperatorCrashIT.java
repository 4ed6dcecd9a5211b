package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.Hashes;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.naming.UserSecretNames;
import dev.registryoperator.roster.Htpasswd;
import dev.registryoperator.status.Conditions;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.testing.OperatorProcess;
import dev.registryoperator.testing.SecretScan;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.mindrot.jbcrypt.BCrypt;

/**
 * The operator as its own process ({@code java -jar}), killed with SIGKILL in the middle of a first
 * reconcile and started again: no shutdown hook, no last write, whatever was half done stays half
 * done. Each kill is triggered by a watch the test holds (the moment a chosen Secret appears) or
 * comes after a random delay; since a kill is asynchronous, the point it hit is read from the
 * objects that existed once the process was dead, and printed.
 *
 * <p>After each restart the registry and its users must converge to Ready with nothing that was
 * generated before the kill generated again: every Secret that existed at the kill (the CA, the
 * serving certificate, the http secret, generated passwords, htpasswd entries with their bcrypt
 * hashes, pull Secrets) is the same object with the same data - only the htpasswd file may grow -
 * and the namespace holds exactly the expected objects, none twice under another name.
 */
class OperatorCrashIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final String API_VERSION = PrivateRegistry.GROUP + "/" + PrivateRegistry.VERSION;
  private static final String REGISTRY = "crashed";
  private static final RegistryNames NAMES = RegistryNames.of(REGISTRY);

  /** Attempts at a window the watch aims for before the test gives up on it. */
  private static final int ATTEMPTS = 3;

  private static final Duration TRIGGER_TIMEOUT = Duration.ofSeconds(60);

  private static Path kubeconfig;
  private static OperatorProcess operator;
  private static int starts;

  @BeforeAll
  static void startTheOperatorProcess() throws IOException {
    Files.createDirectories(OperatorProcess.LOGS);
    kubeconfig = OperatorProcess.LOGS.resolve("operator-crash-it.kubeconfig");
    // As deploy/ runs it: the ServiceAccount's token and RBAC, audited like the in-JVM operator.
    Files.writeString(kubeconfig, API.operatorKubeConfigYaml());
    operator = startOperator();
  }

  /**
   * Stops the process, then scans the logs of every start: the class's own secret scan reads only
   * this JVM's output.
   */
  @AfterAll
  static void stopTheOperatorProcessAndScanItsLogs() throws IOException {
    if (operator != null) {
      operator.stop();
    }
    SecretScan scan = SecretScan.of(API.client());
    for (int start = 1; start <= starts; start++) {
      Path log = logOfStart(start);
      if (Files.isRegularFile(log)) {
        scan.text(log.toString(), Files.readString(log));
      }
    }
    System.out.printf(
        "[it] OperatorCrashIT: secret scan of the operator processes' logs: %s%n", scan.summary());
    assertThat(scan.findings()).as("secret material in the operator processes' logs").isEmpty();
  }

  /** Between the CA Secret and the serving certificate issued from it. */
  @Test
  void killedBetweenTheCaAndTheServingCertificate() {
    hitWindow(
        "the CA Secret exists, the serving certificate does not",
        List.of(),
        named(NAMES.caSecret()),
        seen -> seen.hasSecret(NAMES.caSecret()) && !seen.hasSecret(NAMES.tlsSecret()));
  }

  /** Between a user's generated password and the htpasswd entry hashed from it. */
  @Test
  void killedBetweenAGeneratedPasswordAndItsEntry() {
    UserSecretNames ci = Fixtures.userSecretNames("ci");
    hitWindow(
        "ci's generated password exists, its htpasswd entry does not",
        List.of(User.generated("ci")),
        named(ci.credentialsSecret()),
        seen -> seen.hasSecret(ci.credentialsSecret()) && !seen.hasSecret(ci.entrySecret()));
  }

  /** Between a user's htpasswd entry and the registry's htpasswd file listing it. */
  @Test
  void killedBetweenAnEntryAndTheHtpasswdFile() {
    UserSecretNames alice = Fixtures.userSecretNames("alice");
    hitWindow(
        "alice's htpasswd entry exists, the registry's htpasswd file does not list her",
        List.of(User.withOwnSecret("alice", "alice-password-1"), User.generated("ci")),
        named(alice.entrySecret()),
        seen -> seen.hasSecret(alice.entrySecret()) && !seen.htpasswdUsers().contains("alice"));
  }

  /** Wherever a random delay after the resources were created ends. */
  @Test
  void killedAfterRandomDelays() {
    long seed = Long.getLong("operator-crash.seed", System.nanoTime());
    Random random = new Random(seed);
    System.out.printf("[it] OperatorCrashIT random delays: seed %d%n", seed);
    for (int kill = 1; kill <= 3; kill++) {
      long delay = random.nextInt(500);
      TestNamespace namespace = TestNamespace.create(API, "crash-random");
      List<User> users =
          List.of(User.withOwnSecret("alice", "alice-password-" + kill), User.generated("ci"));
      createRegistryAndUsers(namespace, users);
      sleep(delay);
      operator.kill();
      Seen atKill = Seen.in(namespace);
      System.out.printf(
          "[it] OperatorCrashIT: killed %d ms after the resources were created: %s%n",
          delay, atKill.describe(users));
      restartAndAssertConverged(namespace, users, atKill, "a kill " + delay + " ms in");
    }
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Creates the registry and users in a new namespace, kills the operator the moment a Secret the
   * trigger matches appears, and checks from what existed at the kill whether the window was hit;
   * up to {@link #ATTEMPTS} namespaces. Every attempt, hit or not, must converge after the restart.
   */
  private void hitWindow(
      String window, List<User> users, Predicate<Secret> trigger, Predicate<Seen> inWindow) {
    List<String> misses = new ArrayList<>();
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      TestNamespace namespace = TestNamespace.create(API, "crash");
      Seen atKill = killWhenSecretAppears(namespace, users, trigger);
      boolean hit = inWindow.test(atKill);
      System.out.printf(
          "[it] OperatorCrashIT: attempt %d at \"%s\" %s: %s%n",
          attempt, window, hit ? "hit" : "missed", atKill.describe(users));
      restartAndAssertConverged(namespace, users, atKill, window);
      if (hit) {
        return;
      }
      misses.add(atKill.describe(users));
    }
    throw new AssertionError(
        "no kill in "
            + ATTEMPTS
            + " attempts landed where "
            + window
            + "; what existed at each kill: "
            + misses);
  }

  private Seen killWhenSecretAppears(
      TestNamespace namespace, List<User> users, Predicate<Secret> trigger) {
    CountDownLatch killed = new CountDownLatch(1);
    AtomicReference<String> triggeredBy = new AtomicReference<>();
    Watch watch =
        namespace
            .kube()
            .secrets()
            .inNamespace(namespace.name())
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Secret secret) {
                    if (killed.getCount() > 0 && trigger.test(secret)) {
                      operator.kill();
                      triggeredBy.set(action + " " + secret.getMetadata().getName());
                      killed.countDown();
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    try {
      createRegistryAndUsers(namespace, users);
      assertThat(killed.await(TRIGGER_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
          .as("the Secret that triggers the kill appeared within %s", TRIGGER_TIMEOUT)
          .isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      watch.close();
    }
    assertThat(operator.isAlive()).as("the operator process after SIGKILL").isFalse();
    Seen seen = Seen.in(namespace);
    System.out.printf("[it] OperatorCrashIT: killed on %s%n", triggeredBy.get());
    return seen;
  }

  /**
   * Starts the operator again, plays the Deployment controller once the Deployment exists, and
   * waits until the registry is Available and every user Ready and listed; then nothing generated
   * before the kill may have been generated again.
   */
  private void restartAndAssertConverged(
      TestNamespace namespace, List<User> users, Seen atKill, String point) {
    long restarted = System.nanoTime();
    operator = startOperator();
    namespace.awaitPresent(Deployment.class, NAMES.deployment());
    namespace.setDeploymentAvailable(NAMES.deployment(), true);
    TestNamespace.await("registry Available and every user Ready and listed after " + point)
        .until(() -> converged(namespace, users));
    System.out.printf(
        "[it] OperatorCrashIT: converged %d ms after the restart began (JVM to started: %d ms)%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted),
        operator.startup().toMillis());

    Seen now = Seen.in(namespace);
    Set<String> generated = generatedSecrets(users);
    for (Secret before : atKill.secrets.values()) {
      String name = before.getMetadata().getName();
      Secret after = now.secrets.get(name);
      assertThat(after).as("Secret %s, which existed at the kill (%s)", name, point).isNotNull();
      assertThat(after.getMetadata().getUid())
          .as("uid of Secret %s: it was deleted and created again after %s", name, point)
          .isEqualTo(before.getMetadata().getUid());
      if (generated.contains(name)) {
        // Fingerprints, not values: a failure message must not print keys or passwords.
        assertThat(fingerprints(after))
            .as("data fingerprints of Secret %s: generated again after %s", name, point)
            .isEqualTo(fingerprints(before));
      }
    }
    for (Map.Entry<String, String> uid : atKill.otherUids.entrySet()) {
      assertThat(now.otherUids.get(uid.getKey()))
          .as("uid of %s, which existed at the kill (%s)", uid.getKey(), point)
          .isEqualTo(uid.getValue());
    }
    assertThat(now.secrets.keySet())
        .as("the Secrets in the namespace after %s (none missing, none twice)", point)
        .containsExactlyInAnyOrderElementsOf(expectedSecrets(users));
    assertThat(now.otherUids.keySet())
        .as("the other objects in the namespace after %s", point)
        .containsExactlyInAnyOrder(
            "ConfigMap/" + NAMES.configMap(),
            "ConfigMap/" + NAMES.caBundleConfigMap(),
            "Deployment/" + NAMES.deployment(),
            "Service/" + NAMES.service(),
            "Service/" + NAMES.metricsService(),
            "PersistentVolumeClaim/" + NAMES.claim());

    String caPem =
        SecretData.decode(now.secrets.get(NAMES.caSecret()), Keys.TLS_CERT).orElseThrow();
    assertThat(SecretData.decode(now.secrets.get(NAMES.tlsSecret()), Keys.CA_CERT))
        .as("the serving certificate's CA is the registry's CA after %s", point)
        .contains(caPem);
    Map<String, String> htpasswd = now.htpasswd();
    for (User user : users) {
      String password = user.password(now);
      assertThat(BCrypt.checkpw(password, htpasswd.get(user.name)))
          .as("%s's password matches its line in the htpasswd file after %s", user.name, point)
          .isTrue();
      // The pull Secret is derived (password and published CA), completed when the CA is known.
      Secret pull = now.secrets.get(Fixtures.userSecretNames(user.name).pullSecret());
      assertThat(SecretData.decode(pull, Keys.CA_CERT))
          .as("the CA in %s's pull Secret after %s", user.name, point)
          .contains(caPem);
      assertThat(SecretData.decode(pull, Keys.DOCKER_CONFIG).orElseThrow().contains(password))
          .as("%s's pull Secret holds the current password after %s", user.name, point)
          .isTrue();
    }

    // Settled: a further three seconds change nothing.
    Map<String, String> versions = now.resourceVersions();
    sleep(3_000);
    assertThat(Seen.in(namespace).resourceVersions())
        .as("resourceVersions 3 s after convergence (after %s)", point)
        .isEqualTo(versions);
  }

  private static boolean converged(TestNamespace namespace, List<User> users) {
    PrivateRegistry registry = namespace.registry(REGISTRY);
    if (registry == null
        || registry.getStatus() == null
        || !registry.getMetadata().getGeneration().equals(registry.getStatus().observedGeneration)
        || !"Available".equals(TestNamespace.readyReason(registry))) {
      return false;
    }
    Set<String> listed = Seen.in(namespace).htpasswdUsers();
    for (User user : users) {
      RegistryUser current = namespace.get(RegistryUser.class, user.name);
      if (current == null
          || current.getStatus() == null
          || !Conditions.isTrue(current.getStatus().conditions, Conditions.READY)
          || !listed.contains(user.name)) {
        return false;
      }
    }
    return listed.size() == users.size();
  }

  /**
   * The Secrets holding generated material (keys, random secrets and passwords, bcrypt salts):
   * whatever of them existed at a kill must come through it byte for byte. The htpasswd file and
   * the pull Secrets are derived from them and may be completed after a restart.
   */
  private static Set<String> generatedSecrets(List<User> users) {
    Set<String> names =
        new TreeSet<>(List.of(NAMES.caSecret(), NAMES.tlsSecret(), NAMES.httpSecret()));
    for (User user : users) {
      UserSecretNames secrets = Fixtures.userSecretNames(user.name);
      names.add(secrets.entrySecret());
      if (user.ownSecret == null) {
        names.add(secrets.credentialsSecret());
      }
    }
    return names;
  }

  /** Each key's value as a short hash. */
  private static Map<String, String> fingerprints(Secret secret) {
    Map<String, String> fingerprints = new TreeMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((key, value) -> fingerprints.put(key, Hashes.shortSha256(value)));
    }
    return fingerprints;
  }

  private static Set<String> expectedSecrets(List<User> users) {
    Set<String> names =
        new TreeSet<>(
            List.of(
                NAMES.caSecret(), NAMES.tlsSecret(), NAMES.htpasswdSecret(), NAMES.httpSecret()));
    for (User user : users) {
      UserSecretNames secrets = Fixtures.userSecretNames(user.name);
      names.add(secrets.entrySecret());
      names.add(secrets.pullSecret());
      names.add(user.ownSecret == null ? secrets.credentialsSecret() : user.ownSecret);
    }
    return names;
  }

  private static void createRegistryAndUsers(TestNamespace namespace, List<User> users) {
    namespace.create(
        """
        apiVersion: %s
        kind: PrivateRegistry
        metadata:
          name: %s
        spec: {}
        """
            .formatted(API_VERSION, REGISTRY));
    for (User user : users) {
      if (user.ownSecret != null) {
        namespace.create(
            """
            apiVersion: v1
            kind: Secret
            metadata:
              name: %s
            data:
              password: %s
            """
                .formatted(
                    user.ownSecret,
                    SecretData.encode(Map.of(Keys.PASSWORD, user.ownPassword)).get(Keys.PASSWORD)));
      }
      namespace.create(
          """
          apiVersion: %s
          kind: RegistryUser
          metadata:
            name: %s
          spec:
            registryRef: %s
          """
                  .formatted(API_VERSION, user.name, REGISTRY)
              + (user.ownSecret == null
                  ? ""
                  : "  passwordSecretRef:\n    name: " + user.ownSecret + "\n"));
    }
  }

  private static Predicate<Secret> named(String name) {
    return secret -> name.equals(secret.getMetadata().getName());
  }

  private static OperatorProcess startOperator() {
    starts++;
    return OperatorProcess.start(logName(starts), kubeconfig, Map.of());
  }

  private static String logName(int start) {
    return "operator-crash-it-" + RealApiServer.version() + "-" + start;
  }

  private static Path logOfStart(int start) {
    return OperatorProcess.LOGS.resolve(logName(start) + ".log");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A RegistryUser of the test: with a password Secret of its own, or a generated password. */
  private record User(String name, String ownSecret, String ownPassword) {

    static User generated(String name) {
      return new User(name, null, null);
    }

    static User withOwnSecret(String name, String password) {
      return new User(name, name + "-registry-password", password);
    }

    String password(Seen seen) {
      if (ownPassword != null) {
        return ownPassword;
      }
      Secret generated = seen.secrets.get(Fixtures.userSecretNames(name).credentialsSecret());
      return SecretData.decode(generated, Keys.PASSWORD).orElseThrow();
    }
  }

  /** The namespace's objects at one moment: Secrets whole, the rest by uid. */
  private record Seen(
      Map<String, Secret> secrets,
      Map<String, String> otherUids,
      Map<String, String> otherVersions) {

    static Seen in(TestNamespace namespace) {
      var kube = namespace.kube();
      String ns = namespace.name();
      Map<String, Secret> secrets =
          kube.secrets().inNamespace(ns).list().getItems().stream()
              .collect(
                  Collectors.toMap(
                      s -> s.getMetadata().getName(), s -> s, (a, b) -> a, TreeMap::new));
      List<HasMetadata> others = new ArrayList<>();
      others.addAll(kube.configMaps().inNamespace(ns).list().getItems());
      others.addAll(kube.apps().deployments().inNamespace(ns).list().getItems());
      others.addAll(kube.services().inNamespace(ns).list().getItems());
      others.addAll(kube.persistentVolumeClaims().inNamespace(ns).list().getItems());
      Map<String, String> uids = new TreeMap<>();
      Map<String, String> versions = new TreeMap<>();
      for (HasMetadata other : others) {
        if (other instanceof ConfigMap
            && other.getMetadata().getName().equals("kube-root-ca.crt")) {
          continue; // the root CA publisher's, where a controller-manager runs
        }
        String key = kindOf(other) + "/" + other.getMetadata().getName();
        uids.put(key, other.getMetadata().getUid());
        versions.put(key, other.getMetadata().getResourceVersion());
      }
      return new Seen(secrets, uids, versions);
    }

    boolean hasSecret(String name) {
      return secrets.containsKey(name);
    }

    Map<String, String> htpasswd() {
      Secret file = secrets.get(NAMES.htpasswdSecret());
      return file == null
          ? Map.of()
          : Htpasswd.parse(SecretData.decode(file, Keys.HTPASSWD).orElse(""));
    }

    Set<String> htpasswdUsers() {
      return htpasswd().keySet();
    }

    Map<String, String> resourceVersions() {
      Map<String, String> all = new TreeMap<>(otherVersions);
      secrets.forEach(
          (name, secret) -> all.put("Secret/" + name, secret.getMetadata().getResourceVersion()));
      return all;
    }

    /** What of the first reconcile was done when the process died, in the order it is done. */
    String describe(List<User> users) {
      Map<String, Boolean> done = new LinkedHashMap<>();
      done.put("CA", hasSecret(NAMES.caSecret()));
      done.put("http secret", hasSecret(NAMES.httpSecret()));
      done.put("serving certificate", hasSecret(NAMES.tlsSecret()));
      done.put("htpasswd file", hasSecret(NAMES.htpasswdSecret()));
      done.put("config", otherUids.containsKey("ConfigMap/" + NAMES.configMap()));
      done.put("Deployment", otherUids.containsKey("Deployment/" + NAMES.deployment()));
      for (User user : users) {
        UserSecretNames names = Fixtures.userSecretNames(user.name);
        if (user.ownSecret == null) {
          done.put(user.name + "'s generated password", hasSecret(names.credentialsSecret()));
        }
        done.put(user.name + "'s entry", hasSecret(names.entrySecret()));
        done.put(user.name + "'s pull Secret", hasSecret(names.pullSecret()));
        done.put(user.name + " in the htpasswd file", htpasswdUsers().contains(user.name));
      }
      return done.entrySet().stream()
          .map(e -> e.getKey() + (e.getValue() ? " yes" : " no"))
          .collect(Collectors.joining(", "));
    }

    private static String kindOf(HasMetadata object) {
      if (object instanceof ConfigMap) {
        return "ConfigMap";
      }
      if (object instanceof Deployment) {
        return "Deployment";
      }
      if (object instanceof Service) {
        return "Service";
      }
      if (object instanceof PersistentVolumeClaim) {
        return "PersistentVolumeClaim";
      }
      return object.getKind();
    }
  }
}
