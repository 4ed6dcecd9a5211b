package dev.registryoperator.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Debian's skopeo with a configuration of its own: no registries.conf, mirrors or credentials of
 * this machine take part, only what a call names. The signature policy accepts anything because the
 * test images are unsigned; that is a policy about signatures, not about TLS, which stays verified
 * unless a caller turns it off on its own command line.
 */
final class Skopeo {

  static final String BINARY = "/usr/bin/skopeo";

  private final Path home;

  private Skopeo(Path home) {
    this.home = home;
  }

  /** Writes skopeo's configuration under {@code home} (created if missing). */
  static Skopeo withHome(Path home) {
    try {
      Files.createDirectories(home.resolve("registries.d"));
      Files.createDirectories(home.resolve("tmp"));
      Files.writeString(
          home.resolve("policy.json"), "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
      Files.writeString(home.resolve("registries.conf"), "");
      return new Skopeo(home);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs skopeo in this machine's network namespace, the Service names resolving to the pod. */
  HostCommand.Result through(ServiceDns dns, Duration timeout, String... arguments) {
    return dns.run(timeout, environment(), command(List.of(), arguments));
  }

  /**
   * Runs skopeo inside a pod's network namespace (a client next to the containers), the Service
   * names resolving to the pod as well.
   */
  HostCommand.Result insidePod(
      PodRunner pod, ServiceDns dns, Duration timeout, String... arguments) {
    return dns.run(timeout, environment(), command(netnsExec(pod), arguments));
  }

  /** Runs skopeo inside a pod's network namespace, with this machine's /etc/hosts. */
  HostCommand.Result insidePod(PodRunner pod, Duration timeout, String... arguments) {
    return HostCommand.run(timeout, environment(), command(netnsExec(pod), arguments));
  }

  private static List<String> netnsExec(PodRunner pod) {
    return List.of("/usr/sbin/ip", "netns", "exec", pod.networkNamespace());
  }

  private List<String> command(List<String> prefix, String... arguments) {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(
        List.of(
            BINARY,
            "--policy",
            home.resolve("policy.json").toString(),
            "--registries.d",
            home.resolve("registries.d").toString(),
            "--tmpdir",
            home.resolve("tmp").toString()));
    command.addAll(List.of(arguments));
    return command;
  }

  private Map<String, String> environment() {
    return Map.of(
        "PATH", "/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME", home.toString(),
        "XDG_RUNTIME_DIR", home.toString(),
        // Credentials only from --creds / --authfile of each call: an empty default auth file.
        "REGISTRY_AUTH_FILE", home.resolve("auth.json").toString(),
        "CONTAINERS_REGISTRIES_CONF", home.resolve("registries.conf").toString());
  }
}
