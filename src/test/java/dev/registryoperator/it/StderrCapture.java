package dev.registryoperator.it;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Everything written to System.err while installed, still passed on: the operator logs through
 * slf4j-simple, which looks System.err up at every line, so this sees every line it logs in this
 * JVM. Positions let a test take what was written during one part of it.
 */
final class StderrCapture implements AutoCloseable {

  private final PrintStream original;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  private StderrCapture(PrintStream original) {
    this.original = original;
  }

  static StderrCapture install() {
    StderrCapture capture = new StderrCapture(System.err);
    OutputStream tee =
        new OutputStream() {
          @Override
          public void write(int b) {
            synchronized (capture.captured) {
              capture.captured.write(b);
            }
            capture.original.write(b);
          }

          @Override
          public void write(byte[] bytes, int offset, int length) {
            synchronized (capture.captured) {
              capture.captured.write(bytes, offset, length);
            }
            capture.original.write(bytes, offset, length);
          }

          @Override
          public void flush() {
            capture.original.flush();
          }
        };
    System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
    return capture;
  }

  /** A position; {@link #since} returns what was written after it. */
  int mark() {
    synchronized (captured) {
      return captured.size();
    }
  }

  /** The bytes written since the mark, decoded leniently (a hostile byte must not hide a line). */
  String since(int mark) {
    synchronized (captured) {
      byte[] all = captured.toByteArray();
      return new String(all, mark, all.length - mark, StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() {
    System.setErr(original);
  }
}
