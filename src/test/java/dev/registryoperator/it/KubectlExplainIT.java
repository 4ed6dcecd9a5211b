package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl explain}, the user's reference for every field, run against a real API server: for
 * every object in the CRDs' schemas, each of its fields is listed with the start of the description
 * crds/ gives it. CrdDriftTest checks that every field has a description; this checks that the
 * server publishes them and this server's kubectl shows them.
 */
class KubectlExplainIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  /** Enough words to tell one description from another, few enough to survive line wrapping. */
  private static final int WORDS_COMPARED = 6;

  @TempDir static Path workDir;
  private static Kubectl kubectl;

  @BeforeAll
  static void waitForPublishedSchemas() throws IOException {
    kubectl = Kubectl.of(API, workDir);
    // A new CRD's schema reaches the server's OpenAPI document a moment after it is Established.
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                kubectl.run("explain", "privateregistries.spec").succeeded()
                    && kubectl.run("explain", "registryusers.spec").succeeded());
  }

  @Test
  void everyPrivateRegistryFieldIsExplained() throws Exception {
    assertEveryFieldExplained("privateregistries.registryoperator.dev-v1.yml", "privateregistries");
  }

  @Test
  void everyRegistryUserFieldIsExplained() throws Exception {
    assertEveryFieldExplained("registryusers.registryoperator.dev-v1.yml", "registryusers");
  }

  private static void assertEveryFieldExplained(String crdFile, String resource) throws Exception {
    JsonNode schema =
        new ObjectMapper(new YAMLFactory())
            .readTree(Files.readString(Path.of("crds", crdFile)))
            .at("/spec/versions/0/schema/openAPIV3Schema");
    Map<String, JsonNode> objects = new LinkedHashMap<>();
    for (String root : List.of("spec", "status")) {
      collectObjects(resource + "." + root, schema.at("/properties/" + root), objects);
    }
    assertThat(objects).as("objects found in " + crdFile).hasSizeGreaterThan(1);

    List<String> unexplained = new ArrayList<>();
    for (var object : objects.entrySet()) {
      Kubectl.Result explained = kubectl.run("explain", object.getKey());
      assertThat(explained.succeeded()).as(explained.toString()).isTrue();
      // Each field is a line "<name> <type>", its description below it.
      String output = normalized(explained.stdout());
      object
          .getValue()
          .fields()
          .forEachRemaining(
              field -> {
                String name = object.getKey() + "." + field.getKey();
                String description = field.getValue().path("description").asText("");
                if (!output.contains(" " + field.getKey() + " <")) {
                  unexplained.add(name + ": not listed");
                } else if (!description.isEmpty()
                    && !output.contains(firstWords(normalized(description)))) {
                  unexplained.add(name + ": description not shown");
                }
              });
    }
    assertThat(unexplained).as("fields kubectl explain does not document").isEmpty();
  }

  /** Every object's properties, by the path kubectl explain takes (arrays by their field name). */
  private static void collectObjects(String path, JsonNode schema, Map<String, JsonNode> into) {
    JsonNode object = schema.has("items") ? schema.get("items") : schema;
    JsonNode properties = object.get("properties");
    if (properties == null || path.endsWith(".conditions")) {
      // Conditions are metav1.Condition, documented by Kubernetes itself.
      return;
    }
    into.put(path, properties);
    properties
        .fields()
        .forEachRemaining(
            field -> collectObjects(path + "." + field.getKey(), field.getValue(), into));
  }

  private static String normalized(String text) {
    return text.replaceAll("\\s+", " ");
  }

  private static String firstWords(String text) {
    return Arrays.stream(text.trim().split(" "))
        .limit(WORDS_COMPARED)
        .collect(Collectors.joining(" "));
  }
}
