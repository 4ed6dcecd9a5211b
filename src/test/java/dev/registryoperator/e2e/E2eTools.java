package dev.registryoperator.e2e;

import dev.registryoperator.tls.ExternalTool;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What the end-to-end tests need on the machine. Missing locally, the tests are skipped with the
 * Debian package to install; missing on CI (CI=true), they fail, so that a CI image without the
 * tools cannot silently turn them off.
 */
public final class E2eTools {

  private E2eTools() {}

  /** Everything {@link PodRunner} needs to run the registry pod. */
  public static void requirePodRunner() {
    requireRoot();
    ExternalTool.require("/usr/sbin/ip", "apt-get install iproute2");
    ExternalTool.require("/usr/bin/nsenter", "apt-get install util-linux");
    ExternalTool.require("/usr/bin/unshare", "apt-get install util-linux");
    ExternalTool.require("/usr/bin/setpriv", "apt-get install util-linux");
    ExternalTool.require(ImageBinaries.DOCKER_REGISTRY, "apt-get install docker-registry");
    ExternalTool.require(ImageBinaries.NGINX, "apt-get install nginx");
  }

  public static ExternalTool curl() {
    return ExternalTool.require("/usr/bin/curl", "apt-get install curl");
  }

  public static ExternalTool skopeo() {
    return ExternalTool.require("/usr/bin/skopeo", "apt-get install skopeo");
  }

  /** Network namespaces, mounts and setpriv need root (CAP_SYS_ADMIN, CAP_NET_ADMIN). */
  private static void requireRoot() {
    if (!"root".equals(System.getProperty("user.name"))) {
      String message =
          "the pod runner needs root (network and mount namespaces); running as "
              + System.getProperty("user.name");
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(message);
      }
      Assumptions.assumeTrue(false, message);
    }
  }
}
