package dev.registryoperator.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The pod sandbox: what the pause container and the CNI plugin give a real pod.
 *
 * <ul>
 *   <li>A network namespace of its own ({@code ip netns add podrunner-N}), loopback up, and a veth
 *       pair: {@code eth0} in the pod with 10.233.x.y+2/30, the host end with +1 and a route to it,
 *       so the host reaches the pod at its IP, as kubelet's probes and other pods would.
 *   <li>A UTS and an IPC namespace held by a "pause" process ({@code sleep infinity}); the hostname
 *       in it is the pod name. Every container joins these three namespaces.
 * </ul>
 *
 * <p>Not emulated: the cluster network beyond this one link (no Service VIPs, no kube-proxy, no
 * route from the pod to other hosts, no NAT, no network policies, no DNS server).
 */
final class PodNetwork implements AutoCloseable {

  static final String NETNS_PREFIX = "podrunner-";

  /** 10.233.0.0/16 in /30 blocks: 16384 pods. */
  private static final int BLOCKS = 16384;

  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String netns;
  private final String hostInterface;
  private final String podIp;
  private final String hostIp;
  private Process pause;

  private PodNetwork(String netns, String hostInterface, String hostIp, String podIp) {
    this.netns = netns;
    this.hostInterface = hostInterface;
    this.hostIp = hostIp;
    this.podIp = podIp;
  }

  /**
   * Creates the namespaces. Concurrent runners (also in other JVMs) claim a block by creating its
   * named network namespace: {@code ip netns add} fails when the name is taken.
   */
  static PodNetwork create(String hostname, Path podDir) {
    int start = RANDOM.nextInt(BLOCKS);
    for (int attempt = 0; attempt < 64; attempt++) {
      int block = (start + attempt) % BLOCKS;
      String netns = NETNS_PREFIX + block;
      if (HostCommand.run(TIMEOUT, "ip", "netns", "add", netns).succeeded()) {
        int base = block * 4;
        String prefix = "10.233." + (base / 256) + ".";
        PodNetwork network =
            new PodNetwork(
                netns, "podrunner" + block, prefix + (base % 256 + 1), prefix + (base % 256 + 2));
        try {
          network.wire();
          network.startPause(hostname, podDir);
          return network;
        } catch (RuntimeException e) {
          network.close();
          throw e;
        }
      }
    }
    throw new IllegalStateException("no free pod network block after 64 attempts");
  }

  private void wire() {
    run("ip", "link", "add", hostInterface, "type", "veth", "peer", "name", "eth0", "netns", netns);
    run("ip", "-n", netns, "link", "set", "lo", "up");
    run("ip", "addr", "add", hostIp + "/30", "dev", hostInterface);
    run("ip", "link", "set", hostInterface, "up");
    run("ip", "-n", netns, "addr", "add", podIp + "/30", "dev", "eth0");
    run("ip", "-n", netns, "link", "set", "eth0", "up");
    run("ip", "-n", netns, "route", "add", "default", "via", hostIp);
  }

  private void startPause(String hostname, Path podDir) {
    try {
      Path log = podDir.resolve("pause.log");
      pause =
          new ProcessBuilder(
                  "nsenter",
                  "--net=" + netnsPath(),
                  "--",
                  "unshare",
                  "--uts",
                  "--ipc",
                  "--",
                  "/bin/sh",
                  "-c",
                  "hostname \"$0\" && exec sleep infinity",
                  hostname)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      // Containers join the UTS namespace only once the hostname is set: wait for the exec.
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (!isPauseReady()) {
        if (!pause.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "the pause process did not start: " + Files.readString(log));
        }
        Thread.sleep(10);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private boolean isPauseReady() {
    try {
      return Files.readSymbolicLink(Path.of("/proc", String.valueOf(pause.pid()), "exe"))
          .getFileName()
          .toString()
          .equals("sleep");
    } catch (IOException notYet) {
      return false;
    }
  }

  String netns() {
    return netns;
  }

  Path netnsPath() {
    return Path.of("/run/netns", netns);
  }

  String podIp() {
    return podIp;
  }

  String hostIp() {
    return hostIp;
  }

  /** nsenter arguments that put a process into the pod's shared namespaces. */
  List<String> joinArguments() {
    String pausePid = String.valueOf(pause.pid());
    return List.of(
        "--net=" + netnsPath(),
        "--uts=/proc/" + pausePid + "/ns/uts",
        "--ipc=/proc/" + pausePid + "/ns/ipc");
  }

  @Override
  public void close() {
    if (pause != null) {
      pause.destroyForcibly();
      try {
        pause.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // Deleting the namespace's name frees it once no process is left in it; the veth pair goes
    // with it. The explicit delete covers the case where a process still holds the namespace.
    HostCommand.run(TIMEOUT, "ip", "link", "del", hostInterface);
    HostCommand.run(TIMEOUT, "ip", "netns", "del", netns);
  }

  private static void run(String... command) {
    HostCommand.run(TIMEOUT, command).orThrow();
  }
}
