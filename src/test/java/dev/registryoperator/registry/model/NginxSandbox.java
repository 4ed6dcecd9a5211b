package dev.registryoperator.registry.model;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.ExternalTool;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxy's file system, laid out under a temporary root exactly as the pod would see it: the
 * rendered nginx.conf, the files of the serving Secret as the Deployment projects them, the
 * htpasswd Secret as a directory, and the scratch directory.
 */
final class NginxSandbox {

  private NginxSandbox() {}

  static ExternalTool nginx() {
    return ExternalTool.require("/usr/sbin/nginx", "apt-get install nginx-light");
  }

  /**
   * Renders everything for {@code registry} under {@code root}; the serving certificate comes from
   * {@code ca} and is valid at the real current time, so that real clients accept it.
   *
   * @return the nginx.conf
   */
  static Path prepare(Path root, PrivateRegistry registry, CertificateAuthority ca, String htpasswd)
      throws IOException {
    PodPaths paths = new PodPaths(root.toString());
    Clock now = Clock.systemUTC();
    Secret serving =
        TlsMaterial.servingCertificate(registry, null, TlsMaterial.caSecret(registry, ca), now)
            .secret();

    // Only the keys the Deployment's TLS volume projects end up in the pod, under their item paths.
    Volume tlsVolume =
        RegistryDeployment.render(registry, null, null, Fixtures.OPERATOR_IMAGE)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getVolumes()
            .stream()
            .filter(volume -> volume.getName().equals(RegistryDeployment.TLS_VOLUME))
            .findFirst()
            .orElseThrow();
    Path tlsDir = Files.createDirectories(Path.of(paths.tlsDir()));
    for (var item : tlsVolume.getSecret().getItems()) {
      Files.writeString(
          tlsDir.resolve(item.getPath()), SecretData.decode(serving, item.getKey()).orElseThrow());
    }

    // The htpasswd Secret is mounted whole: every key becomes a file of its name.
    Secret htpasswdSecret = AuthSecrets.htpasswd(registry, Fixtures.authFiles(htpasswd));
    Path htpasswdDir = Files.createDirectories(Path.of(paths.htpasswdDir()));
    for (String key : htpasswdSecret.getData().keySet()) {
      Files.writeString(
          htpasswdDir.resolve(key), SecretData.decode(htpasswdSecret, key).orElseThrow());
    }

    Files.createDirectories(Path.of(paths.proxyScratchDir()));
    Path config =
        Files.createDirectories(Path.of(paths.nginxConfigDir())).resolve(Keys.NGINX_CONFIG);
    Files.writeString(config, NginxConfig.render(registry.getSpec(), paths));
    return config;
  }

  /** Command-line arguments that keep nginx inside the sandbox. */
  static List<String> arguments(Path root, Path config, String... more) {
    List<String> arguments =
        new ArrayList<>(List.of("-e", "stderr", "-p", root + "/", "-c", config.toString()));
    // As root, nginx would run its workers as "nobody", which cannot enter the private temporary
    // directory. In the pod master and workers share one unprivileged user; do the same here.
    if ("root".equals(System.getProperty("user.name"))) {
      arguments.addAll(List.of("-g", "user root;"));
    }
    arguments.addAll(List.of(more));
    return arguments;
  }
}
