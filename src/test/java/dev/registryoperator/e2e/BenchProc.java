package dev.registryoperator.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

  /** Clock ticks per second of /proc's times (USER_HZ); 100 on Linux unless getconf says else. */
  static final long TICKS_PER_SECOND = ticksPerSecond();

  private static long ticksPerSecond() {
    try {
      HostCommand.Result result = HostCommand.run(Duration.ofSeconds(5), "getconf", "CLK_TCK");
      return result.succeeded() ? Long.parseLong(result.stdout().trim()) : 100;
    } catch (RuntimeException e) {
      return 100;
    }
  }

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
      seconds.put(container, treeTicks(pod.containerPid(container)) / (double) TICKS_PER_SECOND);
    }
    double own = treeTicks(ProcessHandle.current().pid()) / (double) TICKS_PER_SECOND;
    double[] machine = machineTicks();
    return new CpuSample(
        seconds, own, machine[0] / TICKS_PER_SECOND, machine[1] / TICKS_PER_SECOND);
  }

  /** Machine CPU (cores busy) over a short while: other work on the machine skews the figures. */
  static double machineBusyCores(Duration over) {
    double[] before = machineTicks();
    try {
      Thread.sleep(over.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    double[] after = machineTicks();
    return (after[0] - before[0]) / TICKS_PER_SECOND / (over.toMillis() / 1000.0);
  }

  /**
   * busy and total ticks of /proc/stat's first line: user nice system idle iowait irq softirq
   * steal.
   */
  private static double[] machineTicks() {
    String[] cpu = read(Path.of("/proc/stat")).lines().findFirst().orElseThrow().trim().split(" +");
    long busy = 0;
    long total = 0;
    for (int i = 1; i < cpu.length && i <= 8; i++) {
      long value = Long.parseLong(cpu[i]);
      total += value;
      if (i != 4 && i != 5) {
        busy += value;
      }
    }
    return new double[] {busy, total};
  }

  /**
   * CPU ticks of a process tree: utime + stime + cutime + cstime of the process and of each live
   * descendant (a reaped child's time is in its parent's cutime/cstime, so nothing counts twice).
   */
  private static long treeTicks(long pid) {
    return Stream.concat(
            Stream.of(pid),
            ProcessHandle.of(pid).stream()
                .flatMap(ProcessHandle::descendants)
                .map(ProcessHandle::pid))
        .mapToLong(BenchProc::cpuTicks)
        .sum();
  }

  /** utime + stime + cutime + cstime of one process, 0 once it is gone. */
  private static long cpuTicks(long pid) {
    Optional<String[]> stat = stat(pid);
    return stat.map(
            fields ->
                Long.parseLong(fields[11])
                    + Long.parseLong(fields[12])
                    + Long.parseLong(fields[13])
                    + Long.parseLong(fields[14]))
        .orElse(0L);
  }

  /** /proc/PID/stat's fields after the command name: index 0 is field 3 (state). */
  private static Optional<String[]> stat(long pid) {
    try {
      String text = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.UTF_8);
      return Optional.of(text.substring(text.lastIndexOf(')') + 2).trim().split(" "));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The JVM of a container: its PID 1 unless that is a wrapper that did not exec. */
  static long javaPid(PodRunner pod, String container) {
    long pid = pod.containerPid(container);
    return Stream.concat(
            Stream.of(pid),
            ProcessHandle.of(pid).stream()
                .flatMap(ProcessHandle::descendants)
                .map(ProcessHandle::pid))
        .filter(p -> read(Path.of("/proc/" + p + "/comm")).trim().equals("java"))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no java process in container " + container));
  }

  /** A /proc/PID/status field in KiB ({@code VmRSS}, {@code VmHWM}), -1 once it is gone. */
  static long statusKib(long pid, String field) {
    String text;
    try {
      text = Files.readString(Path.of("/proc/" + pid + "/status"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return -1;
    }
    return text.lines()
        .filter(line -> line.startsWith(field + ":"))
        .map(line -> line.substring(field.length() + 1).trim().split(" +")[0])
        .mapToLong(Long::parseLong)
        .findFirst()
        .orElse(-1);
  }

  /** When the process started, in epoch milliseconds (at clock-tick resolution). */
  static long startedEpochMillis(long pid) {
    long startTicks = Long.parseLong(stat(pid).orElseThrow()[19]);
    long bootSeconds =
        read(Path.of("/proc/stat"))
            .lines()
            .filter(line -> line.startsWith("btime "))
            .mapToLong(line -> Long.parseLong(line.substring("btime ".length()).trim()))
            .findFirst()
            .orElseThrow();
    return bootSeconds * 1000 + startTicks * 1000 / TICKS_PER_SECOND;
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

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
