package dev.registryoperator.e2e;

import dev.registryoperator.testing.ProcFs;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * What the benchmark reads from /proc about the pod's containers: CPU time of each container's
 * process tree (nginx's master and workers, the registry, the auth server's JVM) and of the whole
 * machine, the auth server's resident memory, and when a process started.
 */
final class BenchProc {

  private BenchProc() {}

  /** Clock ticks per second of /proc's times (USER_HZ). */
  static final long TICKS_PER_SECOND = ProcFs.TICKS_PER_SECOND;

  /**
   * CPU seconds of each container (its PID 1 and every descendant), of this JVM's whole process
   * tree (the containers, the API server, wrk and other clients it started, and the JVM itself) and
   * of the machine.
   */
  record CpuSample(
      Map<String, Double> containers, double ownTree, double machineBusy, double machineTotal) {

    /** What happened between {@code before} and this sample. */
    CpuSample minus(CpuSample before) {
      Map<String, Double> delta = new LinkedHashMap<>();
      containers.forEach(
          (name, seconds) -> delta.put(name, seconds - before.containers.getOrDefault(name, 0.0)));
      return new CpuSample(
          delta,
          ownTree - before.ownTree,
          machineBusy - before.machineBusy,
          machineTotal - before.machineTotal);
    }
  }

  static CpuSample cpu(PodRunner pod, List<String> containers) {
    Map<String, Double> seconds = new LinkedHashMap<>();
    for (String container : containers) {
      seconds.put(
          container, ProcFs.treeTicks(pod.containerPid(container)) / (double) TICKS_PER_SECOND);
    }
    double own = ProcFs.treeTicks(ProcessHandle.current().pid()) / (double) TICKS_PER_SECOND;
    ProcFs.MachineTicks machine = ProcFs.machineTicks();
    return new CpuSample(
        seconds,
        own,
        machine.busy() / (double) TICKS_PER_SECOND,
        machine.total() / (double) TICKS_PER_SECOND);
  }

  /** Machine CPU (cores busy) over a short while: other work on the machine skews the figures. */
  static double machineBusyCores(Duration over) {
    return ProcFs.machineBusyCores(over);
  }

  /** The JVM of a container: its PID 1 unless that is a wrapper that did not exec. */
  static long javaPid(PodRunner pod, String container) {
    long pid = pod.containerPid(container);
    return Stream.concat(
            Stream.of(pid),
            ProcessHandle.of(pid).stream()
                .flatMap(ProcessHandle::descendants)
                .map(ProcessHandle::pid))
        .filter(p -> ProcFs.command(p).equals("java"))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no java process in container " + container));
  }

  /** A /proc/PID/status field in KiB ({@code VmRSS}, {@code VmHWM}), -1 once it is gone. */
  static long statusKib(long pid, String field) {
    return ProcFs.statusKib(pid, field);
  }

  /** When the process started, in epoch milliseconds (at clock-tick resolution). */
  static long startedEpochMillis(long pid) {
    return ProcFs.startedEpochMillis(pid);
  }

  /** Samples a process's VmRSS every 100 ms until closed; the largest value seen. */
  static final class RssSampler implements AutoCloseable {
    private final ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "bench-rss");
              thread.setDaemon(true);
              return thread;
            });
    private final AtomicLong maxKib = new AtomicLong(-1);

    RssSampler(long pid) {
      timer.scheduleAtFixedRate(
          () -> maxKib.accumulateAndGet(statusKib(pid, "VmRSS"), Math::max),
          0,
          100,
          TimeUnit.MILLISECONDS);
    }

    long maxKib() {
      return maxKib.get();
    }

    @Override
    public void close() {
      timer.shutdownNow();
    }
  }
}
