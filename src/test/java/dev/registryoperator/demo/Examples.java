package dev.registryoperator.demo;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The manifests from examples/ the demo applies, and the names it reads from them, so that the demo
 * follows the examples when they change instead of repeating their names.
 *
 * @param applied the files applied, relative to the checkout
 * @param leftOut the other files in examples/
 * @param registry the PrivateRegistry they define (exactly one)
 * @param users the RegistryUsers, in file order
 */
record Examples(List<String> applied, List<String> leftOut, String registry, List<String> users) {

  static final Path DIR = Path.of("examples");

  /** The registry the pod runner can run, and its users. */
  static final List<String> APPLIED =
      List.of("registry-minimal.yaml", "user-generated-password.yaml", "user-with-secret.yaml");

  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");
  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  static Examples read() throws IOException {
    List<String> applied = new ArrayList<>();
    String registry = null;
    List<String> users = new ArrayList<>();
    for (String name : APPLIED) {
      Path file = DIR.resolve(name);
      if (!Files.isRegularFile(file)) {
        throw new IllegalStateException(
            file + " is missing; the demo applies " + APPLIED + " from " + DIR + "/");
      }
      applied.add(file.toString());
      for (GenericKubernetesResource object : objects(file)) {
        if (HasMetadata.getKind(PrivateRegistry.class).equals(object.getKind())) {
          if (registry != null) {
            throw new IllegalStateException("the demo expects one PrivateRegistry in " + APPLIED);
          }
          registry = object.getMetadata().getName();
        } else if (HasMetadata.getKind(RegistryUser.class).equals(object.getKind())) {
          users.add(object.getMetadata().getName());
        }
      }
    }
    if (registry == null || users.isEmpty()) {
      throw new IllegalStateException(
          "the demo expects a PrivateRegistry and RegistryUsers in " + APPLIED);
    }
    List<String> leftOut = new ArrayList<>();
    try (Stream<Path> files = Files.list(DIR)) {
      files
          .map(path -> path.getFileName().toString())
          .filter(name -> name.endsWith(".yaml") || name.endsWith(".yml"))
          .filter(name -> !APPLIED.contains(name))
          .sorted()
          .forEach(name -> leftOut.add(DIR.resolve(name).toString()));
    }
    return new Examples(List.copyOf(applied), List.copyOf(leftOut), registry, List.copyOf(users));
  }

  private static List<GenericKubernetesResource> objects(Path file) throws IOException {
    List<GenericKubernetesResource> objects = new ArrayList<>();
    for (String document : DOCUMENT_SEPARATOR.split(Files.readString(file))) {
      if (document.lines().anyMatch(line -> line.startsWith("kind:"))) {
        objects.add(YAML.unmarshal(document, GenericKubernetesResource.class));
      }
    }
    return objects;
  }
}
