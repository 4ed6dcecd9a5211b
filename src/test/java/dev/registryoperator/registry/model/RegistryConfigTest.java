package dev.registryoperator.registry.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.registryoperator.api.v1alpha1.AuthSpec.AuthMode;
import dev.registryoperator.api.v1alpha1.ExternalTokenSpec;
import dev.registryoperator.testing.Fixtures;
import org.junit.jupiter.api.Test;

class RegistryConfigTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static JsonNode config() throws Exception {
    return YAML.readTree(RegistryConfig.render(Fixtures.registry(), PodPaths.IN_POD));
  }

  @Test
  void isValidYamlInTheRegistrysConfigVersion() throws Exception {
    assertThat(config().path("version").asText()).isEqualTo("0.1");
  }

  @Test
  void registryListensOnLoopbackOnlySoEveryClientGoesThroughTheProxy() throws Exception {
    assertThat(config().path("http").path("addr").asText()).isEqualTo("127.0.0.1:5000");
  }

  @Test
  void debugListenerWithMetricsIsOnLoopbackToo() throws Exception {
    JsonNode debug = config().path("http").path("debug");

    // The debug port serves /metrics and /debug: it must never be reachable from outside the pod.
    assertThat(debug.path("addr").asText()).isEqualTo("127.0.0.1:5001");
    assertThat(debug.path("prometheus").path("enabled").asBoolean()).isTrue();
  }

  @Test
  void portsAreTheOnesTheProxyForwardsTo() throws Exception {
    String nginx =
        NginxConfig.render(
            new dev.registryoperator.api.v1alpha1.PrivateRegistrySpec(), PodPaths.IN_POD);

    assertThat(nginx).contains("server " + config().path("http").path("addr").asText() + ";");
    assertThat(nginx)
        .contains(
            "http://"
                + config().path("http").path("debug").path("addr").asText()
                + "/debug/health");
  }

  @Test
  void blobsAreStoredOnTheDataVolume() throws Exception {
    assertThat(config().path("storage").path("filesystem").path("rootdirectory").asText())
        .isEqualTo("/var/lib/registry");
    assertThat(
            YAML.readTree(RegistryConfig.render(Fixtures.registry(), new PodPaths("/sandbox")))
                .path("storage")
                .path("filesystem")
                .path("rootdirectory")
                .asText())
        .isEqualTo("/sandbox/var/lib/registry");
  }

  @Test
  void hasNoAuthSectionBecauseTheProxyAuthenticates() throws Exception {
    // A registry auth section behind the proxy would demand a second login (or a token service).
    assertThat(config().has("auth")).isFalse();
  }

  @Test
  void holdsNoHttpSecretBecauseTheFileLivesInAConfigMap() throws Exception {
    assertThat(config().path("http").has("secret")).isFalse();
    assertThat(RegistryConfig.render(Fixtures.registry(), PodPaths.IN_POD))
        .doesNotContain("secret");
    assertThat(RegistryConfig.HTTP_SECRET_ENV).isEqualTo("REGISTRY_HTTP_SECRET");
  }

  @Test
  void deletingImagesIsPossible() throws Exception {
    assertThat(config().path("storage").path("delete").path("enabled").asBoolean()).isTrue();
  }

  @Test
  void storageHealthIsCheckedSoReadinessReflectsABrokenVolume() throws Exception {
    assertThat(config().path("health").path("storagedriver").path("enabled").asBoolean()).isTrue();
  }

  @Test
  void isNotInMaintenanceReadOnlyMode() throws Exception {
    assertThat(
            config()
                .path("storage")
                .path("maintenance")
                .path("readonly")
                .path("enabled")
                .asBoolean())
        .isFalse();
  }

  @Test
  void basicModeLeavesAuthenticationToTheProxy() throws Exception {
    assertThat(config().has("auth")).isFalse();
  }

  @Test
  void tokenModeTrustsTheRegistrysCaForTokensFromItsOwnAuthServer() throws Exception {
    JsonNode token =
        YAML.readTree(
                RegistryConfig.render(
                    Fixtures.registry(spec -> spec.auth.mode = AuthMode.Token), PodPaths.IN_POD))
            .at("/auth/token");

    assertThat(token.get("service").asText()).isEqualTo("demo.team-a.svc");
    assertThat(token.get("issuer").asText()).isEqualTo("registry-operator/team-a/demo");
    assertThat(token.get("realm").asText()).isEqualTo("https://demo.team-a.svc/token");
    assertThat(token.get("rootcertbundle").asText())
        .isEqualTo("/etc/registry-operator/token-trust/bundle.crt");
  }

  @Test
  void externalTokenModeNamesTheExternalServerQuotedAsYaml() throws Exception {
    ExternalTokenSpec external = new ExternalTokenSpec();
    external.realm = "https://auth.example.com/token";
    external.service = "registry \"prod\"";
    external.issuer = "docker_auth";
    external.certificateSecret = "auth-certs";
    JsonNode token =
        YAML.readTree(
                RegistryConfig.render(
                    Fixtures.registry(
                        spec -> {
                          spec.auth.mode = AuthMode.ExternalToken;
                          spec.auth.externalToken = external;
                        }),
                    PodPaths.IN_POD))
            .at("/auth/token");

    assertThat(token.get("realm").asText()).isEqualTo("https://auth.example.com/token");
    assertThat(token.get("service").asText()).isEqualTo("registry \"prod\"");
    assertThat(token.get("issuer").asText()).isEqualTo("docker_auth");
  }

  @Test
  void deletesAreEnabledSoAManifestCanBeDeletedByDigest() throws Exception {
    assertThat(config().path("storage").path("delete").path("enabled").asBoolean()).isTrue();
  }

  @Test
  void readOnlyModeTurnsOnDistributionsReadOnlyMaintenanceAndChangesNothingElse() throws Exception {
    JsonNode readOnly =
        YAML.readTree(
            RegistryConfig.render(Fixtures.registry(), PodPaths.IN_POD, DataMode.READ_ONLY));
    JsonNode readWrite = config();

    assertThat(
            readOnly
                .path("storage")
                .path("maintenance")
                .path("readonly")
                .path("enabled")
                .asBoolean())
        .as("storage.maintenance.readonly.enabled")
        .isTrue();
    ((com.fasterxml.jackson.databind.node.ObjectNode) readOnly.path("storage"))
        .remove("maintenance");
    assertThat(readOnly).as("everything but the maintenance section").isEqualTo(readWrite);
    assertThat(readWrite.path("storage").has("maintenance")).isFalse();
  }

  /** Registries running before garbage collection existed must not roll for it. */
  @Test
  void readWriteRendersExactlyWhatItRenderedBefore() {
    assertThat(RegistryConfig.render(Fixtures.registry(), PodPaths.IN_POD, DataMode.READ_WRITE))
        .isEqualTo(RegistryConfig.render(Fixtures.registry(), PodPaths.IN_POD))
        .contains("    blobdescriptor: inmemory\nhttp:\n");
  }
}
