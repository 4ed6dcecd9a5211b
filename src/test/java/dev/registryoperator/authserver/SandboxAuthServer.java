package dev.registryoperator.authserver;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.registry.model.RegistryDeployment;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Container;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import picocli.CommandLine;

/**
 * The auth server of a registry's pod, started in this JVM with the arguments its container spec
 * names, the pod's paths moved under a sandbox root (where the tests lay out the mounted files).
 */
public final class SandboxAuthServer {

  private SandboxAuthServer() {}

  /** The auth container's arguments, as rendered for {@code registry}, with paths under root. */
  public static List<String> arguments(PrivateRegistry registry, Path root) {
    Container auth =
        RegistryDeployment.render(registry, null, null, Fixtures.OPERATOR_IMAGE)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .stream()
            .filter(container -> container.getName().equals(RegistryDeployment.AUTH_CONTAINER))
            .findFirst()
            .orElseThrow();
    return auth.getArgs().stream().map(arg -> arg.replace("=/etc/", "=" + root + "/etc/")).toList();
  }

  public static AuthServer start(PrivateRegistry registry, Path root) throws IOException {
    AuthServerCommand command = new AuthServerCommand();
    new CommandLine(command).parseArgs(arguments(registry, root).toArray(String[]::new));
    return AuthServer.start(command.config(), Clock.systemUTC());
  }
}
