package dev.registryoperator.e2e;

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
    throw new UnsupportedOperationException(
        "the pod runner has no program for image " + image + " (known: registry, nginx)");
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
