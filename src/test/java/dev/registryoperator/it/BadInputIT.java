package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.ConditionedStatus;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.it.BadInputCases.Accepted;
import dev.registryoperator.it.BadInputCases.Case;
import dev.registryoperator.it.BadInputCases.CelRule;
import dev.registryoperator.it.BadInputCases.Expect;
import dev.registryoperator.it.BadInputCases.Group;
import dev.registryoperator.it.BadInputCases.Refused;
import dev.registryoperator.it.BadInputCases.Reported;
import dev.registryoperator.it.BadInputCases.Served;
import dev.registryoperator.it.BadInputCases.Settles;
import dev.registryoperator.it.BadInputCases.Target;
import dev.registryoperator.it.BadInputCases.Works;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.roster.Htpasswd;
import dev.registryoperator.status.Conditions;
import dev.registryoperator.testing.OutputCapture;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mindrot.jbcrypt.BCrypt;

/**
 * Issue 12's bad-input suite on the real API server: every row of {@link BadInputCases} is refused
 * by the schema (422 naming the field) or judged by the reconciler (Ready=False, a CamelCase
 * reason, a readable message, exactly one Warning Event), or - hostile but legal - works. For every
 * row it also asserts that
 *
 * <ul>
 *   <li>nothing valid was disturbed: the valid registry's users keep their htpasswd lines, their
 *       passwords verify against them with jBCrypt and log in through a real nginx reading that
 *       file, and the registry's pod template is unchanged (a live registry's too, unless the case
 *       must change it);
 *   <li>there is no retry storm: once the problem is reported, the operator writes nothing more for
 *       the case, and sends nothing at all into the namespace for a while after it settled;
 *   <li>no secret material (the case's passwords and keys, the valid users' passwords and hashes)
 *       is in any status, Event or line the operator logged while the case ran.
 * </ul>
 *
 * <p>Cases run in groups (all schema rows, new registries, new users, live changes): a group's
 * cases are applied together and each is judged by its own objects, Events and requests, so the
 * suite takes minutes, not one retry window per row. One line per case says what came of it.
 */
class BadInputIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  /**
   * How long the namespace is watched for requests once a group settled. The operator retries a
   * failed reconcile after 1, 2, 4, ... seconds: a case that is retried shows up here.
   */
  static final Duration RETRY_WINDOW = Duration.ofSeconds(6);

  static final Duration SETTLED = Duration.ofSeconds(2);

  /**
   * How often a refused child may be sent again after the refusal is reported: once for each of the
   * few children whose creation events follow the first reconcile. A retry loop sends more.
   */
  static final int MAX_REFUSED_AGAIN = 3;

  static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(60);

  static final List<Case> CASES = BadInputCases.all();

  static OutputCapture output;
  static RealNginx nginx;
  static OperatorUnderTest operator;
  static TestNamespace namespace;
  static ValidRegistry valid;
  static final Map<Group, GroupRun> RUNS = new EnumMap<>(Group.class);

  @BeforeAll
  static void start() throws Exception {
    // The operator logs through slf4j-simple to System.err: what it logs while a group runs is
    // scanned for the group's secrets.
    output = OutputCapture.start();
    nginx = RealNginx.start(Files.createTempDirectory("bad-input-nginx"));
    operator = OperatorUnderTest.start(API);
    TestNamespace elsewhere = TestNamespace.create(API, "elsewhere");
    elsewhere.create(BadInputCases.registry(BadInputCases.FOREIGN_REGISTRY, "spec: {}"));
    namespace = TestNamespace.create(API, "bad-input");
    valid = ValidRegistry.create();
    System.out.printf(
        "[bad-input] %d cases on kube-apiserver %s%n", CASES.size(), RealApiServer.version());
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (nginx != null) {
      nginx.close();
    }
    if (output != null) {
      output.close();
    }
  }

  static Stream<Case> cases() {
    return CASES.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void badInputIsRefusedOrReportedAndDisturbsNothing(Case c) {
    GroupRun run = run(groupOf(c));
    Outcome outcome = run.outcomes.get(c.id());
    String at = "case " + c + " (" + groupOf(c) + " group): ";
    System.out.println("[bad-input] " + c.id() + ": " + outcome.describe());

    Expect expect = effective(c.expect());
    if (expect instanceof Refused refused) {
      assertRefused(at, outcome, refused);
    } else if (expect instanceof Accepted) {
      assertThat(outcome.refusal)
          .as(at + "the API server must accept it (server-side dry run); it answered")
          .isNull();
    } else {
      assertThat(outcome.refusal).as(at + "the API server refused a step of the case").isNull();
      assertThat(outcome.reached)
          .as(at + "never reached the expected state; last seen: " + outcome.describe())
          .isTrue();
      if (expect instanceof Reported reported) {
        assertReported(at, c, outcome, reported, run);
      } else if (expect instanceof Works works) {
        assertWorks(at, works);
      }
      // Nothing may change once the case is reported. A child the server refused may be tried
      // again when another child's event reconciles the registry (each refused again, 422), but
      // not in a retry loop: the window below sees none.
      assertThat(outcome.writesAfterOutcome)
          .as(at + "the operator's writes for the case after it was " + outcome.describe())
          .allSatisfy(write -> assertThat(write).endsWith(" -> 422"))
          .hasSizeLessThanOrEqualTo(MAX_REFUSED_AGAIN);
    }
    assertThat(outcome.disturbed).as(at + "what the case disturbed").isEmpty();
    assertThat(run.disturbed).as(at + "what the group disturbed in the valid registry").isEmpty();
    assertThat(run.quiet)
        .as(at + "the operator stopped writing into the namespace (for " + SETTLED + ")")
        .isTrue();
    assertThat(run.window)
        .as(
            at
                + "the operator's requests into the namespace during "
                + RETRY_WINDOW
                + " after the group settled")
        .isEmpty();
    assertNoSecretMaterial(at, c, outcome, run);
  }

  // Verdicts -------------------------------------------------------------------------------------

  private static void assertRefused(String at, Outcome outcome, Refused refused) {
    assertThat(outcome.refusal).as(at + "the API server accepted it").isNotNull();
    KubernetesClientException e = outcome.refusal;
    assertThat(e.getCode()).as(at + "HTTP status of " + e.getMessage()).isEqualTo(422);
    // 1.20 names a list item's field without its index: spec.access.actions.
    String field =
        API.version().atLeast(1, 25) ? refused.field() : refused.field().replaceAll("\\[\\d+]", "");
    List<StatusCause> causes = e.getStatus().getDetails().getCauses();
    assertThat(causes)
        .as(at + "causes of " + e.getMessage())
        .anySatisfy(
            cause -> {
              assertThat(cause.getField()).isEqualTo(field);
              assertThat(cause.getMessage()).isNotBlank().contains(refused.fragment());
            });
  }

  private static void assertReported(
      String at, Case c, Outcome outcome, Reported reported, GroupRun run) {
    Condition ready = outcome.ready;
    assertThat(ready.getStatus()).as(at + "Ready status").isEqualTo("False");
    assertThat(ready.getReason()).as(at + "Ready reason").matches("[A-Z][A-Za-z0-9]+");
    assertThat(ready.getMessage())
        .as(at + "Ready message")
        .contains(reported.fragment())
        .doesNotContain("\n")
        .hasSizeLessThan(1000);
    List<Event> warnings =
        run.events.stream()
            .filter(event -> "Warning".equals(event.getType()))
            .filter(event -> c.target().kind.equals(event.getInvolvedObject().getKind()))
            .filter(event -> c.id().equals(event.getInvolvedObject().getName()))
            .toList();
    assertThat(warnings)
        .as(at + "Warning Events of " + c.target().kind + " " + c.id())
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.getReason()).isEqualTo(reported.reason());
              assertThat(event.getMessage()).isEqualTo(ready.getMessage());
            });
  }

  private static void assertWorks(String at, Works works) {
    String file = valid.htpasswdFile();
    String hash = Htpasswd.parse(file).get(works.username());
    assertThat(hash).as(at + "the htpasswd line of " + works.username()).isNotNull();
    assertThat(BCrypt.checkpw(new String(works.password(), StandardCharsets.UTF_8), hash))
        .as(at + "jBCrypt verifies the password against the line")
        .isTrue();
    assertThat(nginx.status(file, works.username(), works.password()))
        .as(at + "real nginx with the registry's htpasswd, the user's exact password bytes")
        .isEqualTo(200);
    assertThat(nginx.status(file, works.username(), BadInputCases.bytes("wrong-password")))
        .as(at + "real nginx, a wrong password")
        .isEqualTo(401);
  }

  private static void assertNoSecretMaterial(String at, Case c, Outcome outcome, GroupRun run) {
    List<String> secrets = new ArrayList<>(c.secrets());
    secrets.addAll(run.validSecrets);
    String message = outcome.ready == null ? "" : String.valueOf(outcome.ready.getMessage());
    for (String secret : secrets) {
      String shown = secret.length() > 12 ? secret.substring(0, 6) + "..." : "a secret value";
      assertThat(message).as(at + "Ready message holds " + shown).doesNotContain(secret);
      assertThat(run.statuses).as(at + "a status holds " + shown).doesNotContain(secret);
      assertThat(run.eventMessages).as(at + "an Event holds " + shown).doesNotContain(secret);
      assertThat(run.log)
          .as(at + "the operator logged " + shown + " while the group ran")
          .doesNotContain(secret);
    }
  }

  // Running a group ------------------------------------------------------------------------------

  static Group groupOf(Case c) {
    Expect expect = effective(c.expect());
    return expect instanceof Refused || expect instanceof Accepted ? Group.SCHEMA : c.group();
  }

  /**
   * A cross-field rule is a CEL rule in the CRD on servers since 1.25: refused at apply there. 1.20
   * drops the rules with the CRD, so there the reconciler reports the same words as InvalidSpec.
   */
  static Expect effective(Expect expect) {
    if (expect instanceof CelRule rule) {
      return API.version().atLeast(1, 25)
          ? new Refused(rule.field(), rule.message())
          : new Reported("InvalidSpec", rule.message());
    }
    return expect;
  }

  static synchronized GroupRun run(Group group) {
    return RUNS.computeIfAbsent(
        group,
        g -> {
          long started = System.nanoTime();
          GroupRun run =
              new GroupRun(CASES.stream().filter(c -> groupOf(c) == g).toList()).execute();
          System.out.printf(
              "[bad-input] group %s: %d cases in %.1f s%n",
              g, run.cases.size(), (System.nanoTime() - started) / 1e9);
          return run;
        });
  }

  /** What happened to one case. */
  static final class Outcome {
    final Case c;
    KubernetesClientException refusal;
    boolean reached;
    long reachedNanos;
    Condition ready;
    Long observedGeneration;
    List<String> writesAfterOutcome = List.of();
    final List<String> disturbed = new ArrayList<>();
    LiveBefore before;

    Outcome(Case c) {
      this.c = c;
    }

    String describe() {
      if (refusal != null) {
        String causes =
            refusal.getStatus() == null || refusal.getStatus().getDetails() == null
                ? String.valueOf(refusal.getMessage())
                : refusal.getStatus().getDetails().getCauses().stream()
                    .map(cause -> cause.getField() + ": " + cause.getMessage())
                    .reduce((a, b) -> a + "; " + b)
                    .orElse(refusal.getStatus().getMessage());
        return refusal.getCode() + " " + causes;
      }
      if (ready == null) {
        return groupOf(c) == Group.SCHEMA ? "accepted" : "no Ready condition";
      }
      return "Ready=" + ready.getStatus() + " " + ready.getReason() + ": " + ready.getMessage();
    }
  }

  /** A live case's state before it acted. */
  record LiveBefore(String template, Map<String, String> htpasswd) {}

  /** One group's cases, applied together, and what the group as a whole showed. */
  static final class GroupRun {
    final List<Case> cases;
    final Map<String, Outcome> outcomes = new LinkedHashMap<>();
    List<String> disturbed = List.of();
    boolean quiet;
    List<String> window = List.of();
    String log = "";
    String statuses = "";
    String eventMessages = "";
    List<Event> events = List.of();
    List<String> validSecrets = List.of();

    GroupRun(List<Case> cases) {
      this.cases = cases;
      cases.forEach(c -> outcomes.put(c.id(), new Outcome(c)));
    }

    GroupRun execute() {
      int logMark = output.text().length();
      prepareLiveCases();
      operator.awaitQuiet(namespace, SETTLED);
      for (Outcome outcome : outcomes.values()) {
        if (!outcome.c.before().isEmpty()) {
          outcome.before = liveState(outcome.c);
        }
      }
      long actMark = operator.requests().mark();
      outcomes.values().forEach(GroupRun::act);
      awaitOutcomes();
      try {
        operator.awaitQuiet(namespace, SETTLED);
        quiet = true;
      } catch (ConditionTimeoutException stillWriting) {
        quiet = false;
      }
      long windowMark = operator.requests().mark();
      sleep(RETRY_WINDOW);
      window =
          operator.requests().since(windowMark, r -> r.inNamespace(namespace.name())).stream()
              .map(ApiRequestLog.Request::toString)
              .toList();
      for (Outcome outcome : outcomes.values()) {
        if (outcome.reached) {
          outcome.writesAfterOutcome =
              operator
                  .requests()
                  .since(
                      actMark,
                      r ->
                          r.isWrite()
                              && r.sentNanos() > outcome.reachedNanos
                              && r.inNamespace(namespace.name())
                              && concerns(r.path(), outcome.c.id()))
                  .stream()
                  .map(ApiRequestLog.Request::toString)
                  .toList();
        }
        if (outcome.before != null) {
          outcome.disturbed.addAll(liveDisturbance(outcome));
        }
      }
      disturbed = new ArrayList<>(valid.disturbance());
      disturbed.addAll(probe(cases.isEmpty() ? "none" : groupOf(cases.get(0)).name()));
      validSecrets = valid.secrets();
      events = namespace.kube().v1().events().inNamespace(namespace.name()).list().getItems();
      eventMessages =
          String.join(
              "\n", events.stream().map(e -> e.getReason() + " " + e.getMessage()).toList());
      statuses = statuses();
      log = output.text().substring(logMark);
      return this;
    }

    /**
     * A registry and a user created after the group: the operator still reconciles both, so no case
     * left it stuck or blind (a resource it cannot read would stop its informer).
     */
    private static List<String> probe(String group) {
      String name = "probe-" + group.toLowerCase(java.util.Locale.ROOT);
      namespace.create(BadInputCases.registry(name, "spec: {}"));
      namespace.create(BadInputCases.user(name + "-user", "{registryRef: demo}"));
      List<String> found = new ArrayList<>();
      try {
        namespace.awaitReady(name, "DeploymentUnavailable");
      } catch (ConditionTimeoutException stuck) {
        found.add("a registry created after the group was not reconciled: " + stuck.getMessage());
      }
      try {
        awaitUserActive(name + "-user");
      } catch (ConditionTimeoutException stuck) {
        found.add("a user created after the group did not become Active: " + stuck.getMessage());
      }
      return found;
    }

    /** Live cases' registries and users, up and serving before the change. */
    private void prepareLiveCases() {
      List<Case> live = cases.stream().filter(c -> !c.before().isEmpty()).toList();
      live.forEach(c -> c.before().forEach(namespace::create));
      for (Case c : live) {
        if (c.target() == Target.REGISTRY) {
          namespace.awaitPresent(Deployment.class, RegistryNames.of(c.id()).deployment());
          namespace.setDeploymentAvailable(RegistryNames.of(c.id()).deployment(), true);
          namespace.awaitReady(c.id(), "Available");
          awaitUserActive(c.id() + "-u");
        } else {
          awaitUserActive(c.id());
        }
      }
    }

    private static void act(Outcome outcome) {
      Case c = outcome.c;
      boolean dryRun = effective(c.expect()) instanceof Accepted;
      try {
        for (String manifest : c.create()) {
          if (dryRun) {
            namespace.kube().resource(namespace.parse(manifest)).dryRun().create();
          } else {
            namespace.create(manifest);
          }
        }
        if (c.patch() != null) {
          PatchContext merge = PatchContext.of(PatchType.JSON_MERGE);
          String specPatch = "{\"spec\":" + c.patch() + "}";
          if (c.target() == Target.REGISTRY) {
            namespace
                .kube()
                .resources(PrivateRegistry.class)
                .inNamespace(namespace.name())
                .withName(c.id())
                .patch(merge, specPatch);
          } else {
            namespace
                .kube()
                .resources(RegistryUser.class)
                .inNamespace(namespace.name())
                .withName(c.id())
                .patch(merge, specPatch);
          }
        }
      } catch (KubernetesClientException refused) {
        outcome.refusal = refused;
      }
    }

    private void awaitOutcomes() {
      List<Outcome> pending =
          new ArrayList<>(
              outcomes.values().stream()
                  .filter(o -> groupOf(o.c) != Group.SCHEMA && o.refusal == null)
                  .toList());
      long deadline = System.nanoTime() + OUTCOME_TIMEOUT.toNanos();
      while (!pending.isEmpty() && System.nanoTime() < deadline) {
        pending.removeIf(GroupRun::observe);
        sleep(Duration.ofMillis(200));
      }
    }

    /** Looks at the case's target; true once it is in the state the case expects. */
    private static boolean observe(Outcome outcome) {
      Case c = outcome.c;
      HasMetadata target = target(c);
      if (target == null) {
        return false;
      }
      ConditionedStatus status =
          target instanceof PrivateRegistry registry
              ? registry.getStatus()
              : ((RegistryUser) target).getStatus();
      if (status == null) {
        return false;
      }
      outcome.observedGeneration = status.observedGeneration();
      outcome.ready = Conditions.find(status.conditions(), Conditions.READY).orElse(null);
      if (outcome.ready == null
          || !target.getMetadata().getGeneration().equals(status.observedGeneration())) {
        return false;
      }
      String reason = outcome.ready.getReason();
      Expect expect = effective(c.expect());
      boolean reached;
      if (expect instanceof Reported reported) {
        reached = reported.reason().equals(reason);
      } else if (expect instanceof Works) {
        reached = "Active".equals(reason);
      } else if (expect instanceof Settles) {
        reached = "DeploymentUnavailable".equals(reason);
      } else if (expect instanceof Served served) {
        reached =
            ("Available".equals(reason) || "DeploymentUnavailable".equals(reason))
                && served.secretName().equals(tlsVolumeSecret(c.id()));
      } else {
        reached = false;
      }
      if (reached) {
        outcome.reached = true;
        outcome.reachedNanos = System.nanoTime();
      }
      return reached;
    }

    private static LiveBefore liveState(Case c) {
      String registry = c.target() == Target.REGISTRY ? c.id() : BadInputCases.REGISTRY;
      return new LiveBefore(template(registry), htpasswd(registry));
    }

    /**
     * A live registry keeps its pod template (unless the case must change it) and its user's line,
     * which still logs in through real nginx.
     */
    private static List<String> liveDisturbance(Outcome outcome) {
      Case c = outcome.c;
      List<String> found = new ArrayList<>();
      if (c.target() != Target.REGISTRY) {
        return found;
      }
      String template = template(c.id());
      if (!(c.expect() instanceof Served) && !outcome.before.template().equals(template)) {
        found.add("the pod template of " + c.id() + " changed");
      }
      String user = c.id() + "-u";
      String file = htpasswdFile(c.id());
      Map<String, String> lines = Htpasswd.parse(file);
      if (!outcome.before.htpasswd().equals(lines)) {
        found.add("the htpasswd of " + c.id() + " changed: users " + lines.keySet());
      }
      String password = BadInputCases.livePassword(c.id());
      if (lines.get(user) == null || !BCrypt.checkpw(password, lines.get(user))) {
        found.add("jBCrypt does not verify " + user + "'s password against " + c.id() + "'s file");
      }
      int status = nginx.status(file, user, BadInputCases.bytes(password));
      if (status != 200) {
        found.add("real nginx answered " + status + " to " + user + " with " + c.id() + "'s file");
      }
      return found;
    }

    private static String statuses() {
      KubernetesSerialization json = namespace.kube().getKubernetesSerialization();
      StringBuilder all = new StringBuilder();
      namespace
          .kube()
          .resources(PrivateRegistry.class)
          .inNamespace(namespace.name())
          .list()
          .getItems()
          .forEach(r -> all.append(json.asJson(r.getStatus())).append('\n'));
      namespace
          .kube()
          .resources(RegistryUser.class)
          .inNamespace(namespace.name())
          .list()
          .getItems()
          .forEach(u -> all.append(json.asJson(u.getStatus())).append('\n'));
      return all.toString();
    }
  }

  /** Whether a request path is about one of the case's objects (all are named after it). */
  static boolean concerns(String path, String id) {
    return path.endsWith("/" + id)
        || path.contains("/" + id + "/")
        || path.contains("/" + id + "-");
  }

  static HasMetadata target(Case c) {
    return c.target() == Target.REGISTRY
        ? namespace.get(PrivateRegistry.class, c.id())
        : namespace.get(RegistryUser.class, c.id());
  }

  static String template(String registry) {
    Deployment deployment =
        namespace.get(Deployment.class, RegistryNames.of(registry).deployment());
    return deployment == null
        ? "absent"
        : namespace.kube().getKubernetesSerialization().asJson(deployment.getSpec().getTemplate());
  }

  static String tlsVolumeSecret(String registry) {
    Deployment deployment =
        namespace.get(Deployment.class, RegistryNames.of(registry).deployment());
    if (deployment == null) {
      return null;
    }
    return deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(volume -> volume.getSecret() != null && "tls".equals(volume.getName()))
        .map(volume -> volume.getSecret().getSecretName())
        .findFirst()
        .orElse(null);
  }

  static String htpasswdFile(String registry) {
    Secret secret = namespace.get(Secret.class, RegistryNames.of(registry).htpasswdSecret());
    return SecretData.decode(secret, Keys.HTPASSWD).orElse("");
  }

  static Map<String, String> htpasswd(String registry) {
    return Htpasswd.parse(htpasswdFile(registry));
  }

  static void awaitUserActive(String name) {
    TestNamespace.await("RegistryUser " + name + " Active")
        .until(
            () -> {
              RegistryUser user = namespace.get(RegistryUser.class, name);
              return user != null
                  && user.getStatus() != null
                  && Conditions.isTrue(user.getStatus().conditions, Conditions.READY);
            });
  }

  static void sleep(Duration duration) {
    try {
      TimeUnit.MILLISECONDS.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The valid registry every user case names, with valid users that must never notice the cases:
   * alice with a password of her own, bob with a generated one. It is Available (the test plays the
   * Deployment controller) before any case runs.
   */
  static final class ValidRegistry {

    private static final String ALICE_PASSWORD = "QxAlice-valid-pw-1";

    private final Map<String, String> passwords = new LinkedHashMap<>();
    private final Map<String, String> lines;
    private final String template;

    private ValidRegistry(Map<String, String> lines, String template) {
      this.lines = lines;
      this.template = template;
    }

    static ValidRegistry create() {
      String registry = BadInputCases.REGISTRY;
      namespace.create(BadInputCases.registry(registry, "spec: {}"));
      namespace.create(
          BadInputCases.secret(
              "alice-secret",
              Keys.OPAQUE_TYPE,
              Map.of("password", BadInputCases.bytes(ALICE_PASSWORD))));
      namespace.create(
          BadInputCases.user(
              "alice", "{registryRef: demo, passwordSecretRef: {name: alice-secret}}"));
      namespace.create(BadInputCases.user("bob", "{registryRef: demo}"));
      awaitUserActive("alice");
      awaitUserActive("bob");
      namespace.setDeploymentAvailable(RegistryNames.of(registry).deployment(), true);
      namespace.awaitReady(registry, "Available");
      operator.awaitQuiet(namespace, SETTLED);
      ValidRegistry valid = new ValidRegistry(htpasswd(registry), template(registry));
      valid.passwords.put("alice", ALICE_PASSWORD);
      valid.passwords.put(
          "bob",
          SecretData.decode(namespace.get(Secret.class, "bob-password"), Keys.PASSWORD)
              .orElseThrow());
      assertThat(valid.lines.keySet())
          .as("the valid registry's users")
          .containsOnly("alice", "bob");
      return valid;
    }

    String htpasswdFile() {
      return BadInputIT.htpasswdFile(BadInputCases.REGISTRY);
    }

    /** Passwords and hashes of the valid users: never to be shown anywhere. */
    List<String> secrets() {
      List<String> secrets = new ArrayList<>(passwords.values());
      secrets.addAll(lines.values());
      // and the hashes of everyone listed now, the cases' users included
      secrets.addAll(htpasswd(BadInputCases.REGISTRY).values());
      return secrets;
    }

    /** What no case may change about the valid registry and its users. */
    List<String> disturbance() {
      List<String> found = new ArrayList<>();
      String file = htpasswdFile();
      Map<String, String> now = Htpasswd.parse(file);
      passwords.forEach(
          (user, password) -> {
            if (!lines.get(user).equals(now.get(user))) {
              found.add(user + "'s htpasswd line changed or is gone");
            } else if (!BCrypt.checkpw(password, now.get(user))) {
              found.add("jBCrypt does not verify " + user + "'s password against the file");
            }
            int status = nginx.status(file, user, BadInputCases.bytes(password));
            if (status != 200) {
              found.add("real nginx answered " + status + " to " + user + " with the file");
            }
          });
      int wrong = nginx.status(file, "alice", BadInputCases.bytes(ALICE_PASSWORD + "x"));
      if (wrong != 401) {
        found.add("real nginx answered " + wrong + " to alice with a wrong password");
      }
      if (!template.equals(template(BadInputCases.REGISTRY))) {
        found.add("the valid registry's pod template changed");
      }
      String reason =
          Optional.ofNullable(namespace.registry(BadInputCases.REGISTRY))
              .flatMap(TestNamespace::ready)
              .map(Condition::getReason)
              .orElse("none");
      if (!"Available".equals(reason)) {
        found.add("the valid registry's Ready reason is " + reason);
      }
      for (String user : passwords.keySet()) {
        RegistryUser current = namespace.get(RegistryUser.class, user);
        if (current.getStatus() == null
            || !Conditions.isTrue(current.getStatus().conditions, Conditions.READY)) {
          found.add("valid user " + user + " is not Ready");
        }
      }
      // Warnings the operator gave the valid registry and users. Not those of other components on
      // their children: 1.36's ClusterIP repair loop once warned "ClusterIPNotAllocated ...
      // repairing" on the valid registry's Service, created while the loop ran.
      namespace.kube().v1().events().inNamespace(namespace.name()).list().getItems().stream()
          .filter(event -> "Warning".equals(event.getType()))
          .filter(
              event ->
                  List.of("PrivateRegistry", "RegistryUser")
                      .contains(event.getInvolvedObject().getKind()))
          .filter(
              event ->
                  List.of(BadInputCases.REGISTRY, "alice", "bob")
                      .contains(event.getInvolvedObject().getName()))
          .forEach(
              event ->
                  found.add(
                      "Warning "
                          + event.getReason()
                          + " on "
                          + event.getInvolvedObject().getName()
                          + ": "
                          + event.getMessage()));
      return found;
    }
  }
}
