package dev.registryoperator.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.Main;
import dev.registryoperator.RegistryOperator;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.api.v1alpha1.RegistryUserSpec.SecretKeyRef;
import dev.registryoperator.authserver.SandboxAuthServer;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.registry.model.AuthSecrets;
import dev.registryoperator.registry.model.NginxConfig;
import dev.registryoperator.registry.model.PodPaths;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.testing.MockServerOperators;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.ExternalTool;
import dev.registryoperator.tls.KeyAndCertificate;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The htpasswd file the operator writes, served by the real programs: Debian's docker-registry
 * (distribution 2.8) with htpasswd auth on 127.0.0.1:5000, and Debian's nginx with the operator's
 * rendered proxy configuration in front of it. Both run in a private network namespace, so nothing
 * on this machine's ports matters. Every valid user gets 200 from both; a wrong password or unknown
 * user gets 401 from both.
 */
@EnableKubernetesMockClient(crud = true)
class HtpasswdOnRealServersTest {

  private static final String NAMESPACE = "real-servers";

  static KubernetesClient client;

  @TempDir Path root;

  @Test
  void everyUserTheOperatorListsLogsInToTheRegistryAndThroughNginx() throws Exception {
    ExternalTool registryBinary =
        ExternalTool.require("/usr/bin/docker-registry", "apt-get install docker-registry");
    ExternalTool nginx = ExternalTool.require("/usr/sbin/nginx", "apt-get install nginx-light");
    ExternalTool unshare = ExternalTool.require("/usr/bin/unshare", "apt-get install util-linux");
    ExternalTool.require("/usr/bin/curl", "apt-get install curl");

    Map<String, String> passwords = new LinkedHashMap<>();
    String htpasswd = htpasswdWrittenByTheOperator(passwords);
    assertThat(htpasswd.lines()).hasSize(passwords.size());

    PodPaths paths = new PodPaths(root.toString());
    PrivateRegistry registry = registry();
    Files.createDirectories(Path.of(paths.htpasswdDir()));
    AuthSecrets.htpasswd(registry, Fixtures.authFiles(htpasswd))
        .getData()
        .keySet()
        .forEach(
            key ->
                write(
                    Path.of(paths.htpasswdDir(), key),
                    SecretData.decode(
                            AuthSecrets.htpasswd(registry, Fixtures.authFiles(htpasswd)), key)
                        .orElseThrow()));
    Files.createDirectories(Path.of(paths.tlsDir()));
    KeyAndCertificate serving =
        CertificateAuthority.generate("test CA", Clock.systemUTC())
            .issueServerCertificate(List.of("localhost"), Duration.ofDays(1), Clock.systemUTC());
    Files.writeString(Path.of(paths.tlsDir(), Keys.TLS_CERT), serving.certificatePem());
    Files.writeString(Path.of(paths.tlsDir(), Keys.TLS_KEY), serving.keyPem());
    Files.createDirectories(Path.of(paths.proxyScratchDir()));
    Files.createDirectories(Path.of(paths.nginxConfigDir()));
    Path nginxConf = Path.of(paths.nginxConfigDir(), Keys.NGINX_CONFIG);
    Files.writeString(nginxConf, NginxConfig.render(registry.getSpec(), paths));
    Path registryConf = root.resolve("registry-with-auth.yml");
    Files.writeString(registryConf, registryConfigWithHtpasswd(paths));

    List<String> checks = new ArrayList<>();
    passwords.forEach((user, password) -> checks.add(user + ":" + password));
    checks.add(passwords.keySet().iterator().next() + ":wrong-password");
    checks.add("nobody:some-password");
    Path script = root.resolve("pod.sh");
    Files.writeString(
        script,
        podScript(
            registryBinary,
            nginx,
            registryConf,
            nginxConf,
            authServerCommand(registry, root),
            checks));

    ExternalTool.Result result = unshare.run(root, "--net", "bash", script.toString());
    assertThat(result.exitCode()).as(result.output()).isZero();

    List<String> expected = new ArrayList<>();
    for (String user : passwords.keySet()) {
      expected.add(user + " registry=200 proxy=200");
    }
    expected.add(passwords.keySet().iterator().next() + " registry=401 proxy=401");
    expected.add("nobody registry=401 proxy=401");
    assertThat(result.output().lines().filter(line -> line.contains(" registry=")).toList())
        .as(result.output())
        .containsExactlyElementsOf(expected);
  }

  /** Runs the real Operator on the mock server with three users; returns the htpasswd it wrote. */
  private static String htpasswdWrittenByTheOperator(Map<String, String> passwords) {
    Operator operator = RegistryOperator.create(client, MockServerOperators.settings());
    operator.start();
    try {
      client.resource(registry()).create();
      client
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("alice-password")
                  .withNamespace(NAMESPACE)
                  .endMetadata()
                  .withData(SecretData.encode(Map.of("password", "alice-Pässword-1")))
                  .build())
          .create();
      client.resource(user("alice", "alice", "alice-password")).create();
      client.resource(user("ci-bot", "ci.bot@example.com", null)).create();
      client.resource(user("bob", null, null)).create();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> htpasswdSecret().map(file -> file.lines().count() == 3).orElse(false));
      passwords.put("alice", "alice-Pässword-1");
      passwords.put("bob", generatedPassword("bob"));
      passwords.put("ci.bot@example.com", generatedPassword("ci-bot"));
      return htpasswdSecret().orElseThrow();
    } finally {
      operator.stop();
    }
  }

  private static java.util.Optional<String> htpasswdSecret() {
    Secret secret =
        client
            .secrets()
            .inNamespace(NAMESPACE)
            .withName(RegistryNames.of("reg").htpasswdSecret())
            .get();
    return SecretData.decode(secret, Keys.HTPASSWD);
  }

  private static String generatedPassword(String user) {
    Secret secret = client.secrets().inNamespace(NAMESPACE).withName(user + "-password").get();
    return SecretData.decode(secret, Keys.PASSWORD).orElseThrow();
  }

  private static PrivateRegistry registry() {
    PrivateRegistry registry = new PrivateRegistry();
    registry.getMetadata().setName("reg");
    registry.getMetadata().setNamespace(NAMESPACE);
    return registry;
  }

  private static RegistryUser user(String name, String username, String passwordSecret) {
    RegistryUser user = new RegistryUser();
    user.getMetadata().setName(name);
    user.getMetadata().setNamespace(NAMESPACE);
    user.getSpec().registryRef = "reg";
    user.getSpec().username = username;
    if (passwordSecret != null) {
      user.getSpec().passwordSecretRef = new SecretKeyRef();
      user.getSpec().passwordSecretRef.name = passwordSecret;
    }
    return user;
  }

  /** The auth server as the pod's container starts it, from this JVM's classes. */
  private static String authServerCommand(PrivateRegistry registry, Path root) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "auth-server"));
    command.addAll(SandboxAuthServer.arguments(registry, root));
    return command.stream()
        .map(arg -> "'" + arg.replace("'", "'\\''") + "'")
        .collect(Collectors.joining(" "));
  }

  private static void write(Path file, String content) {
    try {
      Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The registry's own htpasswd auth, reading the very same file nginx reads. */
  private static String registryConfigWithHtpasswd(PodPaths paths) {
    return """
        version: 0.1
        log:
          level: warn
        storage:
          filesystem:
            rootdirectory: %s
        http:
          addr: 127.0.0.1:5000
          secret: test-only-http-secret
          debug:
            addr: 127.0.0.1:5001
        auth:
          htpasswd:
            realm: Registry
            path: %s/%s
        """
        .formatted(paths.dataDir(), paths.htpasswdDir(), Keys.HTPASSWD);
  }

  /**
   * Inside the private network namespace: bring up loopback, start both servers, wait for them,
   * then try each user:password directly against the registry and through nginx on 15000. Passwords
   * travel in a file read by curl, not on command lines.
   */
  private String podScript(
      ExternalTool registryBinary,
      ExternalTool nginx,
      Path registryConf,
      Path nginxConf,
      String authServer,
      List<String> checks)
      throws Exception {
    StringBuilder tries = new StringBuilder();
    int i = 0;
    for (String check : checks) {
      Path credentials = root.resolve("credentials-" + i++);
      String user = check.substring(0, check.indexOf(':'));
      Files.writeString(credentials, "user = \"" + check.replace("\"", "\\\"") + "\"\n");
      tries.append(
          """
          direct=$(curl -s -o /dev/null -w '%%{http_code}' -K %1$s http://127.0.0.1:5000/v2/)
          proxied=$(curl -s -o /dev/null -w '%%{http_code}' -K %1$s --insecure https://127.0.0.1:15000/v2/)
          echo "%2$s registry=$direct proxy=$proxied"
          """
              .formatted(credentials, user));
    }
    return """
        set -u
        ip link set lo up
        %1$s serve %2$s > %5$s/registry.log 2>&1 &
        # In the pod nginx runs as its own non-root user with the files group-readable; here the
        # files sit in a private temporary directory, so the workers run as the test's user.
        %3$s -e stderr -p %5$s/ -c %4$s -g 'user root;' > %5$s/nginx.log 2>&1 &
        %7$s > %5$s/auth.log 2>&1 &
        for _ in $(seq 200); do
          curl -s -o /dev/null http://127.0.0.1:5000/v2/ \
            && curl -sk -o /dev/null https://127.0.0.1:15000/livez \
            && curl -sf -o /dev/null http://127.0.0.1:5002/healthz && break
          sleep 0.1
        done
        %6$s
        kill %%1 %%2 %%3
        wait
        echo "--- nginx log"; cat %5$s/nginx.log
        echo "--- auth server log"; cat %5$s/auth.log
        """
        .formatted(
            registryBinary.binary(),
            registryConf,
            nginx.binary(),
            nginxConf,
            root,
            tries,
            authServer);
  }
}
