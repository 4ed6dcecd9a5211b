package dev.registryoperator.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which program of this machine stands in for a container image. There is no image store here: the
 * image's program comes from a Debian package built from the same upstream source.
 *
 * <ul>
 *   <li>{@code registry:2.x} (CNCF Distribution): its {@code registry} command is Debian's {@code
 *       docker-registry} (distribution 2.8.2), which takes the same {@code serve CONFIG} arguments.
 *   <li>{@code nginx*} (also {@code nginxinc/nginx-unprivileged}): Debian's {@code nginx} 1.22.1.
 *   <li>{@code registry-operator} (the operator's image, whose jar also holds the auth server):
 *       this machine's {@code java} (17, as the image's JRE) with the jar this build packaged,
 *       bound at the path the Dockerfile copies it to.
 * </ul>
 *
 * <p>Not emulated: the image's file system (its /etc, users, CA bundle and libraries come from this
 * machine), its entrypoint script, its ENV (only PATH and HOME are set) and its exact program
 * version. A container without {@code command} is refused, because the image's entrypoint would be
 * a guess.
 */
final class ImageBinaries {

  static final String DOCKER_REGISTRY = "/usr/bin/docker-registry";
  static final String NGINX = "/usr/sbin/nginx";
  static final String JAVA = "/usr/bin/java";

  /** Where the Dockerfile puts the jar, and the jar `mvn package` built. */
  static final String OPERATOR_JAR_IN_IMAGE = "/app/registry-operator.jar";

  static final Path OPERATOR_JAR_BUILT = Path.of("target", "registry-operator.jar");

  private ImageBinaries() {}

  /** The image's repository name, without registry host, tag or digest: "nginx-unprivileged". */
  static String repositoryName(String image) {
    String withoutDigest = image.split("@", 2)[0];
    String lastPart = withoutDigest.substring(withoutDigest.lastIndexOf('/') + 1);
    return lastPart.split(":", 2)[0].toLowerCase(Locale.ROOT);
  }

  static String binaryFor(String image) {
    String repository = repositoryName(image);
    if (repository.equals("registry") || repository.equals("distribution")) {
      return DOCKER_REGISTRY;
    }
    if (repository.contains("nginx")) {
      return NGINX;
    }
    if (repository.equals("registry-operator")) {
      return JAVA;
    }
    throw new UnsupportedOperationException(
        "the pod runner has no program for image "
            + image
            + " (known: registry, nginx, registry-operator)");
  }

  /** Files of the image that this machine does not have: the operator's jar. */
  static List<ContainerProcess.Mount> imageFiles(String image) {
    if (!repositoryName(image).equals("registry-operator")) {
      return List.of();
    }
    Path jar = OPERATOR_JAR_BUILT.toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " is missing: the operator image's jar comes from `mvn package`");
    }
    return List.of(new ContainerProcess.Mount(jar, OPERATOR_JAR_IN_IMAGE, true));
  }

  /** The container's argv: its command and args, with the command's program replaced. */
  static List<String> argv(String image, List<String> command, List<String> args) {
    if (command == null || command.isEmpty()) {
      throw new UnsupportedOperationException(
          "container with image "
              + image
              + " has no command; the runner does not emulate image entrypoints");
    }
    List<String> argv = new ArrayList<>();
    argv.add(binaryFor(image));
    argv.addAll(command.subList(1, command.size()));
    if (args != null) {
      argv.addAll(args);
    }
    return argv;
  }
}
