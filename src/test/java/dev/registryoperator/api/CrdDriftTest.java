package dev.registryoperator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CRDs in crds/ are what users install. They must be exactly what the Java model generates (the
 * build writes that to target/classes/META-INF/fabric8 with {@link CrdGeneration}), and every field
 * must explain itself.
 */
class CrdDriftTest {

  private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
  private static final Path COMMITTED = Path.of("crds");
  private static final String HOW_TO_UPDATE =
      "crds/ differs from the Java model: run `mvn -Pupdate-crds process-test-classes` and commit crds/";

  @ParameterizedTest
  @ValueSource(
      strings = {
        "privateregistries.registryoperator.dev-v1.yml",
        "registryusers.registryoperator.dev-v1.yml"
      })
  void committedCrdEqualsTheGeneratedOne(String file) throws IOException {
    assertThat(GENERATED.resolve(file)).exists();
    assertThat(Files.readString(COMMITTED.resolve(file)))
        .as(HOW_TO_UPDATE)
        .isEqualTo(Files.readString(GENERATED.resolve(file)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "privateregistries.registryoperator.dev-v1.yml",
        "registryusers.registryoperator.dev-v1.yml"
      })
  void everyFieldHasADescription(String file) throws IOException {
    JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(COMMITTED.resolve(file).toFile());
    JsonNode root = crd.at("/spec/versions/0/schema/openAPIV3Schema/properties");
    List<String> undocumented = new ArrayList<>();
    for (String top : List.of("spec", "status")) {
      collectUndocumented(top, root.get(top), undocumented);
    }
    assertThat(undocumented).as("fields without description").isEmpty();
  }

  /**
   * CEL rules ({@code x-kubernetes-validations}) only for the cross-field checks RegistryValidation
   * also makes: servers before 1.25 drop the rules (CrdSchemaIT shows it on 1.20), so every rule
   * must have a fallback in the reconciler, and a readable message for the servers that enforce it.
   */
  @Test
  void celRulesAreExactlyTheCrossFieldChecksTheReconcilerAlsoMakes() throws IOException {
    assertThat(celRules("privateregistries.registryoperator.dev-v1.yml"))
        .containsExactly(
            "auth -> .externalToken: spec.auth.mode ExternalToken needs spec.auth.externalToken.",
            peerRule("networkPolicy.from[]"),
            selectorRule("networkPolicy.from[].namespaceSelector"),
            selectorRule("networkPolicy.from[].podSelector"),
            peerRule("networkPolicy.metricsFrom[]"),
            selectorRule("networkPolicy.metricsFrom[].namespaceSelector"),
            selectorRule("networkPolicy.metricsFrom[].podSelector"),
            "proxy -> .port: spec.proxy.port cannot be 9091: the proxy serves the registry's"
                + " metrics on that port.",
            "service -> .nodePort: spec.service.nodePort needs spec.service.type NodePort or"
                + " LoadBalancer.",
            "storage -> .deleteClaim: spec.storage.deleteClaim cannot be true with"
                + " spec.storage.existingClaim: the operator never deletes a claim it did not"
                + " create.",
            "tls -> .renewBeforeDays: spec.tls.renewBeforeDays must be less than"
                + " spec.tls.validityDays, or the certificate would be renewed on every"
                + " reconcile.",
            "tls -> .issuerRef: spec.tls.secretName and spec.tls.issuerRef exclude each other:"
                + " serve your own Secret, or let cert-manager issue one.");
    assertThat(celRules("registryusers.registryoperator.dev-v1.yml")).isEmpty();
  }

  private static String peerRule(String peers) {
    return peers
        + " -> : A peer needs a podSelector, a namespaceSelector or both, or else an ipBlock"
        + " alone.";
  }

  private static String selectorRule(String selector) {
    return selector
        + ".matchExpressions[] -> : In and NotIn need values; Exists and DoesNotExist take none.";
  }

  /** "property -> fieldPath: message" for every rule under spec, nested ones included. */
  private static List<String> celRules(String file) throws IOException {
    JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(COMMITTED.resolve(file).toFile());
    JsonNode spec = crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");
    List<String> rules = new ArrayList<>();
    collectCelRules("spec", spec, rules);
    return rules;
  }

  /** Rules of this schema, then of its properties (named from spec on) and its list items. */
  private static void collectCelRules(String path, JsonNode schema, List<String> rules) {
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      assertThat(rule.path("rule").asText()).as(path + " rule").isNotBlank();
      rules.add(
          path + " -> " + rule.path("fieldPath").asText() + ": " + rule.path("message").asText());
    }
    for (Iterator<Map.Entry<String, JsonNode>> properties = schema.path("properties").fields();
        properties.hasNext(); ) {
      Map.Entry<String, JsonNode> property = properties.next();
      String propertyPath =
          path.equals("spec") ? property.getKey() : path + "." + property.getKey();
      collectCelRules(propertyPath, property.getValue(), rules);
    }
    if (schema.has("items")) {
      collectCelRules(path + "[]", schema.get("items"), rules);
    }
  }

  @Test
  void printerColumnsComeInTheOrderKubectlUsersExpect() throws IOException {
    // kubectl prints them in the CRD's order: state first, Age last, the message only with -o wide.
    assertThat(printerColumns("privateregistries.registryoperator.dev-v1.yml"))
        .containsExactly(
            "Ready",
            "URL",
            "Users",
            "Auth",
            "Age",
            "Nodes (priority 1)",
            "Capacity (priority 1)",
            "Message (priority 1)");
    assertThat(printerColumns("registryusers.registryoperator.dev-v1.yml"))
        .containsExactly("Ready", "Registry", "Username", "Age", "Message (priority 1)");
  }

  @Test
  void crdsInstallWithKubectlApplyFAsWellAsWithKustomize() throws IOException {
    // `kubectl apply -f crds/` reads every .json, .yaml and .yml file and fails on anything that is
    // not a Kubernetes object; it skips the kustomization only because that is named Kustomization.
    List<String> manifests;
    try (Stream<Path> files = Files.list(COMMITTED)) {
      manifests =
          files
              .map(file -> file.getFileName().toString())
              .filter(name -> name.matches(".*\\.(json|yaml|yml)"))
              .sorted()
              .toList();
    }
    assertThat(manifests)
        .containsExactly(
            "privateregistries.registryoperator.dev-v1.yml",
            "registryusers.registryoperator.dev-v1.yml");
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    for (String manifest : manifests) {
      assertThat(yaml.readTree(COMMITTED.resolve(manifest).toFile()).path("kind").asText())
          .as(manifest)
          .isEqualTo("CustomResourceDefinition");
    }
    // `kubectl apply -k crds/` (and deploy/, which includes ../crds) installs the same files.
    JsonNode kustomization = yaml.readTree(COMMITTED.resolve("Kustomization").toFile());
    List<String> resources = new ArrayList<>();
    kustomization.path("resources").forEach(resource -> resources.add(resource.asText()));
    assertThat(resources).containsExactlyInAnyOrderElementsOf(manifests);
  }

  private static List<String> printerColumns(String file) throws IOException {
    JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(COMMITTED.resolve(file).toFile());
    List<String> columns = new ArrayList<>();
    for (JsonNode column : crd.at("/spec/versions/0/additionalPrinterColumns")) {
      int priority = column.path("priority").asInt();
      columns.add(
          column.get("name").asText() + (priority == 0 ? "" : " (priority " + priority + ")"));
    }
    return columns;
  }

  private static void collectUndocumented(String path, JsonNode schema, List<String> out) {
    if (schema == null) {
      return;
    }
    if (!schema.hasNonNull("description") && !isConditionInternals(path)) {
      out.add(path);
    }
    JsonNode properties = schema.get("properties");
    if (properties != null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        collectUndocumented(path + "." + field.getKey(), field.getValue(), out);
      }
    }
    JsonNode items = schema.get("items");
    if (items != null && items.has("properties")) {
      JsonNode itemProperties = items.get("properties");
      Stream.iterate(itemProperties.fields(), Iterator::hasNext, it -> it)
          .limit(1)
          .forEach(
              it ->
                  it.forEachRemaining(
                      field ->
                          collectUndocumented(
                              path + "[]." + field.getKey(), field.getValue(), out)));
    }
  }

  /** The fields of a standard metav1.Condition are Kubernetes' own and documented upstream. */
  private static boolean isConditionInternals(String path) {
    return path.contains(".conditions[].");
  }
}
