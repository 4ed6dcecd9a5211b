package dev.registryoperator.api;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes the CRDs of the API model into the directory given as argument; the build runs it in
 * process-test-classes, and {@link CrdDriftTest} compares the result with crds/.
 *
 * <p>Why not fabric8's crd-generator-maven-plugin: its generator (7.5.2) sorts printer columns by
 * JSON path, so {@code kubectl get preg} printed AGE first ({@code .metadata} sorts before {@code
 * .status}), and the plugin has no setting or hook to change that. kubectl shows the columns in the
 * CRD's order, so this runs the same generator with a post-processor that puts them back in the
 * order the class declares them. Renaming columns cannot help (the sort key is the path), and
 * editing the generated YAML afterwards would have to reproduce the generator's formatting. It
 * lives with the tests so that nothing of it ships in the operator's jar.
 */
public final class CrdGeneration {

  /** Every custom resource of the API; a new kind must be added here (and to CrdDriftTest). */
  static final List<Class<? extends HasMetadata>> CUSTOM_RESOURCES =
      List.of(PrivateRegistry.class, RegistryUser.class);

  private CrdGeneration() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: CrdGeneration OUTPUT_DIRECTORY");
    }
    Path output = Files.createDirectories(Path.of(args[0]));
    Map<String, Class<? extends HasMetadata>> byCrdName =
        CUSTOM_RESOURCES.stream()
            .collect(Collectors.toMap(HasMetadata::getFullResourceName, type -> type));
    int written =
        new CRDGenerator()
            .customResourceClasses(CUSTOM_RESOURCES)
            .withPostProcessor(
                new CRDPostProcessor() {
                  @Override
                  public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
                    return inDeclaredColumnOrder((CustomResourceDefinition) crd, byCrdName);
                  }
                })
            .inOutputDir(output.toFile())
            .generate();
    if (written != CUSTOM_RESOURCES.size()) {
      throw new IllegalStateException("wrote " + written + " CRDs for " + CUSTOM_RESOURCES);
    }
  }

  /** Orders each version's printer columns as the class's {@code @AdditionalPrinterColumn}s are. */
  private static HasMetadata inDeclaredColumnOrder(
      CustomResourceDefinition crd, Map<String, Class<? extends HasMetadata>> byCrdName) {
    Class<? extends HasMetadata> type = byCrdName.get(crd.getMetadata().getName());
    List<String> declared =
        Arrays.stream(type.getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::jsonPath)
            .toList();
    // Columns from field annotations (@PrinterColumn) have no declared place: last, in the
    // generator's order.
    Comparator<CustomResourceColumnDefinition> order =
        Comparator.comparingInt(
            column -> {
              int index = declared.indexOf(column.getJsonPath());
              return index < 0 ? declared.size() : index;
            });
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      version.setAdditionalPrinterColumns(
          version.getAdditionalPrinterColumns().stream().sorted(order).toList());
    }
    return crd;
  }
}
