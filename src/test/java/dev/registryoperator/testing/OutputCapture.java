package dev.registryoperator.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A copy of everything this JVM writes to standard output and error while it runs, the operator's
 * log among it (slf4j-simple looks up {@code System.err} at every line), so a test can scan what
 * the operator logged. What is written still reaches the original streams.
 */
public final class OutputCapture implements AutoCloseable {

  private final PrintStream originalOut = System.out;
  private final PrintStream originalErr = System.err;
  private final ByteArrayOutputStream copy = new ByteArrayOutputStream();
  private boolean closed;

  private OutputCapture() {}

  public static OutputCapture start() {
    OutputCapture capture = new OutputCapture();
    System.setOut(capture.tee(capture.originalOut));
    System.setErr(capture.tee(capture.originalErr));
    return capture;
  }

  /** What was written so far. */
  public String text() {
    synchronized (copy) {
      return copy.toString(StandardCharsets.UTF_8);
    }
  }

  /** Puts the original streams back; the copy stays readable. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
  }

  private PrintStream tee(PrintStream original) {
    OutputStream both =
        new OutputStream() {
          @Override
          public void write(int b) {
            original.write(b);
            synchronized (copy) {
              copy.write(b);
            }
          }

          @Override
          public void write(byte[] bytes, int offset, int length) {
            original.write(bytes, offset, length);
            synchronized (copy) {
              copy.write(bytes, offset, length);
            }
          }

          @Override
          public void flush() {
            original.flush();
          }
        };
    return new PrintStream(both, true, StandardCharsets.UTF_8);
  }
}
