package dev.registryoperator.authserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class AuthServerCommandTest {

  private static AuthServer.Config parse(String... args) {
    AuthServerCommand command = new AuthServerCommand();
    new CommandLine(command).parseArgs(args);
    return command.config();
  }

  @Test
  void readsTheCommandLineTheOperatorRenders() {
    AuthServer.Config config =
        parse(
            "--listen", "127.0.0.1:5002",
            "--htpasswd", "/etc/registry-operator/htpasswd/htpasswd",
            "--access", "/etc/registry-operator/htpasswd/access.json",
            "--realm", "Registry",
            "--token-key", "/etc/registry-operator/token/tls.key",
            "--token-cert", "/etc/registry-operator/token/tls.crt",
            "--issuer", "registry-auth",
            "--service", "registry.example",
            "--token-lifetime", "120");

    assertThat(config.listen().getPort()).isEqualTo(5002);
    assertThat(config.listen().getAddress().isLoopbackAddress()).isTrue();
    assertThat(config.htpasswd()).isEqualTo(Path.of("/etc/registry-operator/htpasswd/htpasswd"));
    assertThat(config.realm()).isEqualTo("Registry");
    AuthServer.TokenConfig token = config.token().orElseThrow();
    assertThat(token.service()).isEqualTo("registry.example");
    assertThat(token.lifetime()).isEqualTo(Duration.ofSeconds(120));
    assertThat(config.cacheTtl()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.threads()).isEqualTo(16);
  }

  @Test
  void basicModeWithoutTokenOptionsAndNeverOffLoopback() {
    assertThat(parse("--htpasswd", "h", "--access", "a").token()).isEmpty();
    assertThat(
            parse("--htpasswd", "h", "--access", "a", "--listen", "[::1]:5002").listen().getPort())
        .isEqualTo(5002);

    assertThatThrownBy(() -> parse("--htpasswd", "h", "--access", "a", "--listen", "0.0.0.0:5002"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("loopback");
    assertThatThrownBy(() -> parse("--htpasswd", "h", "--access", "a", "--token-key", "k"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("Token mode needs");
  }
}
