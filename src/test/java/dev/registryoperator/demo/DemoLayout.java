package dev.registryoperator.demo;

import java.nio.file.Path;

/**
 * Where the demo keeps its files: everything under {@code target/demo} of the checkout, so that
 * {@code mvn clean} removes it and nothing is written elsewhere (the pod runner's sandboxes live
 * under /tmp and go with the pod).
 *
 * <p>Paths are printed relative to the checkout, the directory the demo runs in, so that a printed
 * command can be pasted as it is.
 */
record DemoLayout(Path repo, Path dir) {

  static DemoLayout inWorkingDirectory() {
    Path repo = Path.of("").toAbsolutePath();
    return new DemoLayout(repo, repo.resolve("target").resolve("demo"));
  }

  /** Everything worth reading after a run: control plane, operator, pod and the demo's own log. */
  Path logs() {
    return dir.resolve("logs");
  }

  /** kubectl 1.20.2 and the in-cluster wrapper; {@link #envFile()} puts it first on PATH. */
  Path bin() {
    return dir.resolve("bin");
  }

  Path pki() {
    return dir.resolve("pki");
  }

  Path etcdData() {
    return dir.resolve("etcd");
  }

  /** The cluster admin's kubeconfig: the one to use with kubectl. */
  Path adminKubeconfig() {
    return dir.resolve("kubeconfig");
  }

  /** The operator's kubeconfig: the ServiceAccount's user name, so RBAC from deploy/ applies. */
  Path operatorKubeconfig() {
    return dir.resolve("operator.kubeconfig");
  }

  /** {@code source target/demo/env}: KUBECONFIG and PATH for the printed commands. */
  Path envFile() {
    return dir.resolve("env");
  }

  /** The hosts file the in-cluster wrapper binds over /etc/hosts. */
  Path hostsFile() {
    return dir.resolve("hosts");
  }

  /** The directories standing for bound PersistentVolumes, one per claim name. */
  Path claims() {
    return dir.resolve("claims");
  }

  /** What a registry client has: the CA, the docker configs, the images. */
  Path client() {
    return dir.resolve("client");
  }

  /** The demo's process id while it runs; {@code scripts/demo.sh --stop} signals it. */
  Path pidFile() {
    return dir.resolve("demo.pid");
  }

  /**
   * The running pod's network namespace and name, so that {@code scripts/demo.sh} can remove a pod
   * a killed demo left behind (its processes outlive the JVM, unlike the control plane's).
   */
  Path podRecord() {
    return dir.resolve("pod");
  }

  /** The path as printed: relative to the checkout when inside it. */
  String show(Path path) {
    Path absolute = path.toAbsolutePath().normalize();
    return absolute.startsWith(repo) ? repo.relativize(absolute).toString() : absolute.toString();
  }
}
