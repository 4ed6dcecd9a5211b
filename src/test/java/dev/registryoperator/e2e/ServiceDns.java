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
 * Runs a client program of this machine so that a Service's DNS names resolve to the pod, as they
 * would for a client in the cluster: the program gets a private mount namespace whose /etc/hosts is
 * this machine's plus the Service names. Real clients (curl, skopeo) then verify the serving
 * certificate against the very names the operator put into it, no {@code --resolve} or {@code
 * --tls-verify=false} needed.
 *
 * <p>Not emulated: the Service's virtual IP and kube-proxy; the names point straight at the pod.
 */
public final class ServiceDns {

  private final Path hostsFile;

  private ServiceDns(Path hostsFile) {
    this.hostsFile = hostsFile;
  }

  /**
   * @param names the Service's DNS names ({@code RegistryNames.serviceDnsNames})
   */
  public static ServiceDns resolving(Path workDir, String podIp, String... names) {
    try {
      Path hosts = workDir.resolve("hosts");
      String own =
          Files.isReadable(Path.of("/etc/hosts")) ? Files.readString(Path.of("/etc/hosts")) : "";
      if (!own.isEmpty() && !own.endsWith("\n")) {
        own += "\n";
      }
      Files.writeString(hosts, own + podIp + "\t" + String.join(" ", names) + "\n");
      Posix.chmod(hosts, 0644);
      return new ServiceDns(hosts);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @param environment the program's complete environment
   */
  public HostCommand.Result run(
      Duration timeout, Map<String, String> environment, List<String> command) {
    List<String> full =
        new ArrayList<>(
            List.of(
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "--",
                "/bin/sh",
                "-c",
                "mount --bind \"$0\" /etc/hosts && exec \"$@\"",
                hostsFile.toString()));
    full.addAll(command);
    return HostCommand.run(timeout, environment, full);
  }

  public HostCommand.Result run(Duration timeout, String... command) {
    return run(timeout, Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), List.of(command));
  }
}
