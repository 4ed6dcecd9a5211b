package dev.registryoperator.argocd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistryStatus;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.api.v1alpha1.RegistryUserStatus;
import dev.registryoperator.status.Conditions;
import dev.registryoperator.tls.ExternalTool;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Argo CD health checks in deploy/argocd, run by a real Lua 5.1 (Debian's lua5.1, the version
 * Argo CD's gopher-lua implements) without the string library, as in Argo CD's sandbox, on
 * resources as the operator writes them.
 */
class ArgoCdHealthTest {

  private static final Path CHECKS = Path.of("deploy/argocd/argocd-cm-health.yaml");
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private static String registryScript;
  private static String userScript;

  @TempDir Path work;

  @BeforeAll
  static void readScripts() throws IOException {
    JsonNode data = new ObjectMapper(new YAMLFactory()).readTree(CHECKS.toFile()).get("data");
    registryScript =
        data.get("resource.customizations.health.registryoperator.dev_PrivateRegistry").asText();
    userScript =
        data.get("resource.customizations.health.registryoperator.dev_RegistryUser").asText();
  }

  @ParameterizedTest(name = "registry Ready={0} {1} -> {2}")
  @CsvSource({
    "true,  Available,             Healthy",
    "false, DeploymentUnavailable, Progressing",
    "false, ReconcileFailed,       Progressing",
    "false, InvalidSpec,           Degraded",
    "false, InvalidName,           Degraded",
    "false, TlsSecretNotFound,     Degraded",
    "false, TlsSecretInvalid,      Degraded",
    "false, CaSecretInvalid,       Degraded",
    "false, ClaimChangeNotPossible, Degraded",
    "false, ClaimExpansionNotAllowed, Degraded",
    "false, ClaimUpdateRefused,    Degraded",
    "false, TokenCertificatesNotFound, Degraded",
    "false, TokenCertificatesInvalid, Degraded",
    "false, ExistingClaimNotFound, Degraded",
    "false, ExistingClaimInUse,    Degraded",
    "false, RefusedByApiServer,    Degraded",
    "false, GarbageCollectionScheduleInvalid, Degraded",
    "false, ClaimNotBound,         Progressing",
    "false, CertificatePending,    Progressing",
    "false, AReasonOfALaterVersion, Degraded",
    "false, CertManagerNotInstalled, Degraded",
    "false, CertificatePending,    Progressing",
  })
  void registryHealthFollowsReady(boolean ready, String reason, String health) throws Exception {
    PrivateRegistry registry = registry(2L, 2L);
    registry.getStatus().conditions =
        Conditions.with(null, "Ready", ready, reason, "the operator's message", 2L, Instant.EPOCH);

    assertThat(run(registryScript, registry)).isEqualTo(health + "|the operator's message");
  }

  @ParameterizedTest(name = "user Ready={0} {1} -> {2}")
  @CsvSource({
    "true,  Active,                 Healthy",
    "false, Pending,                Progressing",
    "false, ReconcileFailed,        Progressing",
    "false, InvalidUsername,        Degraded",
    "false, RegistryNotFound,       Degraded",
    "false, DuplicateUsername,      Degraded",
    "false, PasswordSecretNotFound, Degraded",
    "false, PasswordKeyNotFound,    Degraded",
    "false, PasswordTooShort,       Degraded",
    "false, PasswordTooLong,        Degraded",
    "false, InvalidAccess,          Degraded",
    "false, ExternalTokenServer,    Degraded",
    "false, PasswordInvalid,        Degraded",
    "false, PasswordSecretNotAllowed, Degraded",
    "false, AReasonOfALaterVersion, Degraded",
  })
  void userHealthFollowsReady(boolean ready, String reason, String health) throws Exception {
    RegistryUser user = new RegistryUser();
    user.getMetadata().setName("alice");
    user.getMetadata().setGeneration(1L);
    user.setStatus(new RegistryUserStatus());
    user.getStatus().observedGeneration = 1L;
    user.getStatus().conditions =
        Conditions.with(null, "Ready", ready, reason, "the operator's message", 1L, Instant.EPOCH);

    assertThat(run(userScript, user)).isEqualTo(health + "|the operator's message");
  }

  @Test
  void bothKindsUseTheSameScript() {
    assertThat(userScript).isEqualTo(registryScript);
  }

  @Test
  void aRegistryWithoutStatusIsProgressing() throws Exception {
    PrivateRegistry registry = registry(1L, null);
    registry.setStatus(null);

    assertThat(run(registryScript, registry)).startsWith("Progressing|");
  }

  @Test
  void aStatusOfAnOlderGenerationIsProgressingEvenIfItWasReady() throws Exception {
    PrivateRegistry registry = registry(3L, 2L);
    registry.getStatus().conditions =
        Conditions.with(null, "Ready", true, "Available", "serving", 2L, Instant.EPOCH);

    assertThat(run(registryScript, registry))
        .isEqualTo("Progressing|Waiting for the operator to reconcile the latest change");
  }

  private static PrivateRegistry registry(Long generation, Long observedGeneration) {
    PrivateRegistry registry = new PrivateRegistry();
    registry.getMetadata().setName("demo");
    registry.getMetadata().setGeneration(generation);
    registry.setStatus(new PrivateRegistryStatus());
    registry.getStatus().observedGeneration = observedGeneration;
    return registry;
  }

  /** Runs the check on the object and returns "status|message". */
  private String run(String script, HasMetadata object) throws IOException {
    ExternalTool lua = ExternalTool.require("/usr/bin/lua5.1", "apt-get install lua5.1");
    JsonNode json = new ObjectMapper().readTree(JSON.asJson(object));
    String program =
        "string = nil -- Argo CD's sandbox has no string library\n"
            + "obj = "
            + luaValue(json)
            + "\n"
            + "local function check()\n"
            + script
            + "\nend\n"
            + "local hs = check()\n"
            + "io.write(hs.status .. '|' .. (hs.message or ''))\n";
    Path file = work.resolve("check.lua");
    Files.writeString(file, program);
    ExternalTool.Result result = lua.run(work, file.toString());
    assertThat(result.exitCode()).as(result.output()).isZero();
    return result.output().trim();
  }

  /**
   * A JSON value as a Lua literal: objects and arrays become tables, as Argo CD hands them over.
   */
  private static String luaValue(JsonNode node) {
    if (node.isObject()) {
      StringBuilder table = new StringBuilder("{");
      for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        table
            .append("[")
            .append(luaString(field.getKey()))
            .append("]=")
            .append(luaValue(field.getValue()))
            .append(",");
      }
      return table.append("}").toString();
    }
    if (node.isArray()) {
      StringBuilder table = new StringBuilder("{");
      node.forEach(element -> table.append(luaValue(element)).append(","));
      return table.append("}").toString();
    }
    if (node.isNumber() || node.isBoolean()) {
      return node.asText();
    }
    return node.isNull() ? "nil" : luaString(node.asText());
  }

  private static String luaString(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }
}
