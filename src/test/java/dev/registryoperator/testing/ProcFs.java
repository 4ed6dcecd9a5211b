package dev.registryoperator.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What benchmarks read from /proc: CPU time of a process or a process tree and of the whole
 * machine, a process's memory, the load average. One reader for every benchmark, so that all of
 * them count the same way.
 */
public final class ProcFs {

  private ProcFs() {}

  /** Clock ticks per second of /proc's times (USER_HZ); 100 on Linux unless getconf says else. */
  public static final long TICKS_PER_SECOND = ticksPerSecond();

  /** Busy and total CPU ticks of the machine since boot. */
  public record MachineTicks(long busy, long total) {}

  /**
   * busy and total ticks of /proc/stat's first line: user nice system idle iowait irq softirq
   * steal.
   */
  public static MachineTicks machineTicks() {
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
    return new MachineTicks(busy, total);
  }

  /** Machine CPU (cores busy) over a short while: other work on the machine skews the figures. */
  public static double machineBusyCores(Duration over) {
    MachineTicks before = machineTicks();
    try {
      Thread.sleep(over.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    MachineTicks after = machineTicks();
    return (after.busy() - before.busy()) / (double) TICKS_PER_SECOND / (over.toMillis() / 1000.0);
  }

  /** /proc/loadavg's three load averages (1, 5, 15 minutes), as the file writes them. */
  public static String loadAverage() {
    String[] fields = read(Path.of("/proc/loadavg")).trim().split(" +");
    return fields.length < 3 ? "?" : fields[0] + " " + fields[1] + " " + fields[2];
  }

  /** utime + stime + cutime + cstime of one process, 0 once it is gone. */
  public static long cpuTicks(long pid) {
    return stat(pid)
        .map(
            fields ->
                Long.parseLong(fields[11])
                    + Long.parseLong(fields[12])
                    + Long.parseLong(fields[13])
                    + Long.parseLong(fields[14]))
        .orElse(0L);
  }

  /** CPU seconds of one process so far ({@link #cpuTicks}). */
  public static double cpuSeconds(long pid) {
    return cpuTicks(pid) / (double) TICKS_PER_SECOND;
  }

  /**
   * CPU ticks of a process tree: utime + stime + cutime + cstime of the process and of each live
   * descendant (a reaped child's time is in its parent's cutime/cstime, so nothing counts twice).
   */
  public static long treeTicks(long pid) {
    return Stream.concat(
            Stream.of(pid),
            ProcessHandle.of(pid).stream()
                .flatMap(ProcessHandle::descendants)
                .map(ProcessHandle::pid))
        .mapToLong(ProcFs::cpuTicks)
        .sum();
  }

  /** A /proc/PID/status field in KiB ({@code VmRSS}, {@code VmHWM}), -1 once it is gone. */
  public static long statusKib(long pid, String field) {
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
  public static long startedEpochMillis(long pid) {
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

  /** The process's command name (/proc/PID/comm), empty once it is gone. */
  public static String command(long pid) {
    return read(Path.of("/proc/" + pid + "/comm")).trim();
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

  private static long ticksPerSecond() {
    try {
      Process getconf =
          new ProcessBuilder("getconf", "CLK_TCK")
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (getconf.waitFor(5, TimeUnit.SECONDS) && getconf.exitValue() == 0) {
        return Long.parseLong(out.trim());
      }
      return 100;
    } catch (IOException | RuntimeException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
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
