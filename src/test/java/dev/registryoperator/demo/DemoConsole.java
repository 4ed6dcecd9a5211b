package dev.registryoperator.demo;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * What the demo tells the person running it: numbered steps, the commands it runs, and where to
 * look (URLs, files, logs). Libraries log to {@code target/demo/logs/demo.log}, never here, so the
 * terminal shows only this.
 */
final class DemoConsole {

  private static final String INDENT = "      ";
  private static final int LABEL_WIDTH = 14;

  private final PrintStream out;
  private final int steps;
  private int step;
  private String stepTitle = "preparing";
  private long stepStarted = System.nanoTime();

  DemoConsole(PrintStream out, int steps) {
    this.out = out;
    this.steps = steps;
  }

  void step(String title) {
    step++;
    stepTitle = title;
    stepStarted = System.nanoTime();
    out.println();
    out.printf("[%d/%d] %s%n", step, steps, title);
    out.flush();
  }

  /** A check after the numbered steps, named in a failure message. */
  void phase(String title) {
    stepTitle = title;
    step = 0;
  }

  /** "[3/7] Starting the operator", for failure messages. */
  String currentStep() {
    return step == 0 ? stepTitle : "[" + step + "/" + steps + "] " + stepTitle;
  }

  /** A command exactly as it runs (from the checkout, after {@code source target/demo/env}). */
  void command(String line) {
    out.println(INDENT + "$ " + line);
    out.flush();
  }

  /** Output of a command worth reading (kubectl get), indented under it. */
  void output(String text) {
    text.lines().forEach(line -> out.println(INDENT + "  " + line));
    out.flush();
  }

  /** "label value": where to look. */
  void where(String label, String value) {
    out.println(INDENT + pad(label) + value);
    out.flush();
  }

  void where(String label, List<String> values) {
    for (int i = 0; i < values.size(); i++) {
      out.println(INDENT + pad(i == 0 ? label : "") + values.get(i));
    }
    out.flush();
  }

  void note(String text) {
    out.println(INDENT + text);
    out.flush();
  }

  /** Closes a step with its result and duration. */
  void ok(String result) {
    out.printf(
        Locale.ROOT,
        "%sok: %s (%.1f s)%n",
        INDENT,
        result,
        (System.nanoTime() - stepStarted) / 1e9);
    out.flush();
  }

  void blank() {
    out.println();
  }

  void line(String text) {
    out.println(text);
    out.flush();
  }

  private static String pad(String label) {
    return label.length() >= LABEL_WIDTH
        ? label + " "
        : label + " ".repeat(LABEL_WIDTH - label.length());
  }
}
