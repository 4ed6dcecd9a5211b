package dev.registryoperator.registry.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.AuthSpec.AuthMode;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistrySpec;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.ExternalTool;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class NginxConfigTest {

  private static final String DEFAULT = render(spec -> {});

  @Test
  void bodySizeIsUnlimitedByDefaultBecauseLayersCanBeGigabytes() {
    assertThat(DEFAULT).containsOnlyOnce("client_max_body_size 0;");
  }

  @Test
  void bodySizeComesFromTheSpec() {
    assertThat(render(spec -> spec.proxy.maxBodySize = "512m"))
        .containsOnlyOnce("client_max_body_size 512m;")
        .doesNotContain("client_max_body_size 0;");
  }

  @Test
  void chunkedUploadsAreAccepted() {
    // Without it docker clients that push in chunks get HTTP 411.
    assertThat(DEFAULT).contains("chunked_transfer_encoding on;");
  }

  @Test
  void readTimeoutComesFromTheSpec() {
    assertThat(DEFAULT).contains("proxy_read_timeout 600s;");
    assertThat(render(spec -> spec.proxy.readTimeoutSeconds = 3600))
        .contains("proxy_read_timeout 3600s;")
        .doesNotContain("proxy_read_timeout 600s;");
  }

  @Test
  void hostHeaderKeepsThePort() {
    // $host drops the port, and the registry's upload Location then points at :443.
    assertThat(DEFAULT).contains("proxy_set_header Host $http_host;").doesNotContain("Host $host;");
  }

  @Test
  void forwardingHeadersTellTheRegistryAboutTheClient() {
    assertThat(DEFAULT)
        .contains("proxy_set_header X-Real-IP $remote_addr;")
        .contains("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;")
        .contains("proxy_set_header X-Forwarded-Proto $scheme;");
  }

  @Test
  void apiVersionHeaderIsAddedOnlyWhenTheRegistryDidNotSendIt() {
    // A static add_header would duplicate the header the registry already sends.
    assertThat(DEFAULT)
        .containsOnlyOnce(
            "map $upstream_http_docker_distribution_api_version $docker_distribution_api_version {")
        .containsOnlyOnce("'' 'registry/2.0';")
        .contains(
            "add_header Docker-Distribution-Api-Version $docker_distribution_api_version always;");
    assertThat(location(DEFAULT, "/v2/")).containsOnlyOnce("add_header Docker-Distribution");
  }

  @Test
  void oldDockerClientsAreRefused() {
    assertThat(DEFAULT)
        .contains("if ($http_user_agent ~ \"^(docker\\/1\\.(3|4|5(?!\\.[0-9]-dev))|Go ).*$\") {")
        .containsPattern("(?s)if \\(\\$http_user_agent[^}]*return 404;");
  }

  @Test
  void uploadsAreStreamedToTheRegistryNotSpooledToDisk() {
    assertThat(DEFAULT).contains("proxy_request_buffering off;");
  }

  @Test
  void basicModeAsksTheAuthServerAboutEveryRegistryRequest() {
    String api = location(DEFAULT, "/v2/");
    assertThat(api)
        .contains("auth_request /.auth;")
        .contains("error_page 403 = @refused;")
        .doesNotContain("auth_basic");
    assertThat(location(DEFAULT, "= /.auth"))
        .contains("internal;")
        .contains("proxy_pass http://auth_server/auth;")
        .contains("proxy_set_header X-Original-Method $request_method;")
        .contains("proxy_set_header X-Original-URI $request_uri;")
        .contains("proxy_set_header X-Real-IP $remote_addr;")
        .contains("proxy_pass_request_body off;");
    assertThat(DEFAULT).contains("server 127.0.0.1:5002;").doesNotContain("auth_basic");
  }

  @Test
  void aThrottledLoginBecomes429WithRetryAfterAndARefusalARegistryError() {
    // auth_request passes on only 2xx, 401 and 403: the throttle rides on a 403 with a header.
    assertThat(location(DEFAULT, "/v2/"))
        .contains("auth_request_set $auth_retry_after $upstream_http_x_auth_retry_after;");
    String refused = location(DEFAULT, "@refused");
    assertThat(refused)
        .contains("add_header Retry-After $auth_retry_after always;")
        .containsPattern("(?s)if \\(\\$auth_retry_after\\) \\{\\s*return 429 ")
        .contains("return 403 '{\"errors\":[{\"code\":\"DENIED\"");
  }

  @Test
  void aRefusedMountReachesTheRegistryWithoutItsParameters() {
    assertThat(DEFAULT)
        .contains("auth_request_set $auth_strip_mount $upstream_http_x_auth_strip_mount;")
        .contains("map $auth_strip_mount $registry_request_uri {")
        .contains("'' $request_uri;")
        .contains("default $uri;");
    assertThat(location(DEFAULT, "/v2/"))
        .contains("proxy_pass http://registry$registry_request_uri;");
  }

  @Test
  void tokenModeLeavesTheTokenToTheRegistryAndServesTokensAtTheClientsAddress() {
    String token = render(spec -> spec.auth.mode = AuthMode.Token);

    assertThat(location(token, "/v2/"))
        .doesNotContain("auth_request")
        .contains("proxy_hide_header WWW-Authenticate;")
        .contains("add_header WWW-Authenticate $token_challenge always;")
        .contains("proxy_pass http://registry;");
    assertThat(token)
        .contains(
            "'~^Bearer realm=\"[^\"]*\"(?<challenge_rest>.*)$' 'Bearer"
                + " realm=\"https://$http_host/token\"$challenge_rest';");
    assertThat(location(token, "= /token")).contains("proxy_pass http://auth_server/token;");
  }

  @Test
  void thePodIsReadyOnlyOnceTheAuthServerIs() {
    assertThat(location(DEFAULT, "= /healthz")).contains("auth_request /.auth-server-ready;");
    assertThat(location(DEFAULT, "= /.auth-server-ready"))
        .contains("internal;")
        .contains("proxy_pass http://auth_server/healthz;");
    assertThat(location(render(spec -> spec.auth.mode = AuthMode.Token), "= /healthz"))
        .contains("auth_request /.auth-server-ready;");
  }

  @Test
  void externalTokenModeRunsNoAuthServer() {
    String external = render(spec -> spec.auth.mode = AuthMode.ExternalToken);

    assertThat(external)
        .doesNotContain("auth_server")
        .doesNotContain("auth_request")
        .doesNotContain("location = /token")
        .doesNotContain("WWW-Authenticate");
  }

  @Test
  void healthAndLivenessPathsNeedNoCredentials() {
    // kubelet probes carry no credentials: no login check on these locations (readiness asks the
    // auth server whether it is up, which needs none).
    String healthz = location(DEFAULT, "= /healthz");
    String livez = location(DEFAULT, "= /livez");

    assertThat(healthz)
        .doesNotContain("auth_request /.auth;")
        .contains("proxy_pass http://127.0.0.1:5001/debug/health;");
    assertThat(livez)
        .doesNotContain("auth_request")
        .doesNotContain("proxy_pass")
        .contains("return 200");
    assertThat(location(DEFAULT, "/v2/")).contains("auth_request /.auth;");
  }

  @Test
  void everythingOutsideTheRegistryApiIsNotFound() {
    assertThat(location(DEFAULT, "/")).contains("return 404;").doesNotContain("proxy_pass");
  }

  @Test
  void upstreamIsTheRegistryOnLoopback() {
    assertThat(DEFAULT)
        .contains("server 127.0.0.1:5000;")
        .contains("proxy_pass http://registry$registry_request_uri;");
  }

  @Test
  void listensWithTlsOnTheProxyPortOnlyWithModernProtocols() {
    // Two listeners: TLS for clients, plain HTTP for Prometheus (only /metrics, tested below).
    assertThat(DEFAULT).containsOnlyOnce("ssl;").contains("listen 15000 ssl;");
    assertThat(DEFAULT.split("listen ", -1)).hasSize(3);
    assertThat(DEFAULT)
        .contains("ssl_protocols TLSv1.2 TLSv1.3;")
        .doesNotContain("TLSv1.1")
        .doesNotContain("SSLv3");
    assertThat(render(spec -> spec.proxy.port = 8443)).contains("listen 8443 ssl;");
  }

  @Test
  void theMetricsPortPassesOnlyTheRegistrysMetrics() {
    String metricsServer = DEFAULT.substring(DEFAULT.indexOf("listen 9091;"));
    assertThat(metricsServer)
        .contains("location = /metrics {")
        .contains("proxy_pass http://127.0.0.1:5001/metrics;")
        .doesNotContain("pprof")
        .doesNotContain("/debug/")
        .containsPattern("location / \\{\\s+return 404;");
    assertThat(location(metricsServer, "= /auth-server/metrics"))
        .contains("proxy_pass http://auth_server/metrics;");
  }

  @Test
  void certificateAndKeyAreReadFromTheMountedTlsSecret() {
    assertThat(DEFAULT)
        .contains("ssl_certificate /etc/registry-operator/tls/tls.crt;")
        .contains("ssl_certificate_key /etc/registry-operator/tls/tls.key;");
  }

  @Test
  void everyWrittenFileGoesToTheScratchDirectoryBecauseTheRootFilesystemIsReadOnly() {
    String config = NginxConfig.render(new PrivateRegistrySpec(), new PodPaths("/sandbox"));

    assertThat(config).contains("pid /sandbox/tmp/nginx.pid;");
    for (String directive :
        new String[] {
          "client_body_temp_path",
          "proxy_temp_path",
          "fastcgi_temp_path",
          "uwsgi_temp_path",
          "scgi_temp_path"
        }) {
      assertThat(config).as(directive).contains(directive + " /sandbox/tmp/");
    }
    // Logs go to the container's streams, never to a file.
    assertThat(config).contains("error_log stderr").contains("access_log /dev/stdout;");
  }

  @Test
  void runsInTheForegroundAsAContainerProcessMust() {
    assertThat(DEFAULT).contains("daemon off;");
  }

  @Test
  void renderingIsDeterministic() {
    assertThat(render(spec -> spec.proxy.readTimeoutSeconds = 42))
        .isEqualTo(render(spec -> spec.proxy.readTimeoutSeconds = 42));
  }

  @ParameterizedTest
  @EnumSource(AuthMode.class)
  void nginxAcceptsTheRenderedConfiguration(AuthMode mode, @TempDir Path root) throws Exception {
    ExternalTool nginx = NginxSandbox.nginx();
    PrivateRegistry registry = Fixtures.registryInMode(mode);
    Path config =
        NginxSandbox.prepare(
            root, registry, CertificateAuthority.generate("demo CA", Fixtures.CLOCK), "");

    ExternalTool.Result result =
        nginx.run(root, NginxSandbox.arguments(root, config, "-t").toArray(String[]::new));

    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("syntax is ok").contains("test is successful");
  }

  @Test
  void nginxAcceptsAConfigurationWithEveryKnobTurned(@TempDir Path root) throws Exception {
    ExternalTool nginx = NginxSandbox.nginx();
    PrivateRegistry registry =
        Fixtures.registry(
            spec -> {
              spec.proxy.port = 8443;
              spec.proxy.maxBodySize = "2g";
              spec.proxy.readTimeoutSeconds = 86400;
              spec.auth.realm = "Team A's registry (prod)";
            });
    Path config =
        NginxSandbox.prepare(
            root, registry, CertificateAuthority.generate("demo CA", Fixtures.CLOCK), "");

    ExternalTool.Result result =
        nginx.run(root, NginxSandbox.arguments(root, config, "-t").toArray(String[]::new));

    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("syntax is ok");
  }

  @Test
  void nginxRefusesAConfigurationWhoseCertificateIsMissing(@TempDir Path root) throws Exception {
    // The negative control: shows that `nginx -t` really loads the files the config names.
    ExternalTool nginx = NginxSandbox.nginx();
    Path config =
        NginxSandbox.prepare(
            root,
            Fixtures.registry(),
            CertificateAuthority.generate("demo CA", Fixtures.CLOCK),
            "");
    java.nio.file.Files.delete(Path.of(new PodPaths(root.toString()).tlsDir(), "tls.crt"));

    ExternalTool.Result result =
        nginx.run(root, NginxSandbox.arguments(root, config, "-t").toArray(String[]::new));

    assertThat(result.exitCode()).as(result.output()).isNotZero();
    assertThat(result.output()).contains("tls.crt");
  }

  private static String render(Consumer<PrivateRegistrySpec> customize) {
    PrivateRegistrySpec spec = new PrivateRegistrySpec();
    customize.accept(spec);
    return NginxConfig.render(spec, PodPaths.IN_POD);
  }

  /**
   * The body of {@code location <match> { ... }}; locations here contain at most one nested block.
   */
  /** The body of a location block, found by counting braces outside quoted strings. */
  private static String location(String config, String match) {
    String header = "location " + match + " {";
    int start = config.indexOf(header);
    assertThat(start).as(header).isNotNegative();
    int depth = 1;
    char quote = 0;
    int i = start + header.length();
    for (; depth > 0; i++) {
      char c = config.charAt(i);
      if (quote != 0) {
        quote = c == quote ? 0 : quote;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '{') {
        depth++;
      } else if (c == '}') {
        depth--;
      }
    }
    return config.substring(start + header.length(), i - 1);
  }
}
