package dev.registryoperator.it;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfig;
import io.fabric8.kubeapitest.KubeAPITestException;
import java.util.function.Consumer;

/**
 * Starts kube-api-test's etcd and kube-apiserver, and starts a fresh pair when a start fails.
 *
 * <p>Why: kube-api-test gives each process a port picked at random in 49152-65535 and released
 * before the process binds it. That range overlaps Linux's ephemeral ports, so any socket opened in
 * between can take it, and the process then exits. kube-api-test stops everything when one of its
 * processes exits, but its readiness poll goes on for the whole startup timeout: CI lost
 * CertManagerIT on kube-apiserver 1.36.2 that way once (120 s, then "Kube API Server did not start
 * properly", its etcd data already removed). Here such an exit ends the wait at once and says so,
 * and the next attempt has new ports and a new data directory. A server that starts but is slow
 * still gets the whole timeout; the attempts are printed, so a run that needed one shows it. A
 * started server is also stopped when the JVM exits before the test stopped it.
 */
final class ControlPlaneStart {

  static final int ATTEMPTS = 3;

  private ControlPlaneStart() {}

  /**
   * A started server; {@link KubeAPIServer#stop()} may be called on it more than once. Each failed
   * attempt is told to {@code report}.
   */
  static KubeAPIServer start(KubeAPIServerConfig config, Consumer<String> report) {
    for (int attempt = 1; ; attempt++) {
      WatchedServer server = new WatchedServer(config);
      try {
        server.startOrExplain();
        return server;
      } catch (KubeAPITestException e) {
        server.stop();
        String why = server.why(e);
        if (attempt == ATTEMPTS) {
          throw new KubeAPITestException(
              "the control plane did not start in " + ATTEMPTS + " attempts; the last: " + why, e);
        }
        report.accept(
            "control plane start %d of %d failed (%s); starting a fresh one"
                .formatted(attempt, ATTEMPTS, why));
      }
    }
  }

  /**
   * kube-api-test's server, told when one of its processes exits before it was stopped: the thread
   * waiting for readiness is interrupted instead of polling a server that no longer exists.
   */
  private static final class WatchedServer extends KubeAPIServer {

    private final Thread starter = Thread.currentThread();

    /**
     * Stops etcd and kube-apiserver when the JVM exits without the test's stop, as when the Maven
     * run is interrupted: otherwise both outlive it, with their data in /tmp.
     */
    private final Thread stopAtExit = new Thread(this::stop, "control-plane-stop-at-exit");

    private boolean starting;
    private boolean stopped;
    private volatile String exit;

    WatchedServer(KubeAPIServerConfig config) {
      super(config);
    }

    void startOrExplain() {
      synchronized (this) {
        starting = true;
      }
      Runtime.getRuntime().addShutdownHook(stopAtExit);
      try {
        start();
      } finally {
        synchronized (this) {
          starting = false;
          // An interrupt meant for the start must not reach the test.
          Thread.interrupted();
        }
      }
    }

    @Override
    public void processStopped(Process process) {
      // The process has been reaped: its command is no longer known, its pid and code are.
      exit =
          "a control-plane process (pid "
              + process.pid()
              + ") exited with code "
              + process.exitValue()
              + " while starting";
      super.processStopped(process);
      synchronized (this) {
        if (starting) {
          starter.interrupt();
        }
      }
    }

    /** Once only: kube-api-test's second stop fails on the data directory the first removed. */
    @Override
    public void stop() {
      synchronized (this) {
        if (stopped) {
          return;
        }
        stopped = true;
      }
      try {
        Runtime.getRuntime().removeShutdownHook(stopAtExit);
      } catch (IllegalStateException exiting) {
        // Called by the hook itself: the JVM is exiting.
      }
      super.stop();
    }

    String why(KubeAPITestException failure) {
      return exit != null ? exit : failure.getMessage();
    }
  }
}
