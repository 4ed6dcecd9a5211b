package dev.registryoperator.it;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Every request the operator's client sent and the code it got back, so that tests can state what
 * the operator wrote (and what the API server refused) instead of inferring it from timing.
 */
final class ApiRequestLog implements Interceptor {

  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

  /**
   * When a request was sent, carried from {@link #before} to {@link #after} in a header of its own
   * (the API server ignores it).
   */
  private static final String SENT_NANOS = "X-Test-Sent-Nanos";

  /**
   * One answered request; {@code path} has no query string. {@code nanos} is when the answer
   * arrived, {@code sentNanos} when the request left: a write the server committed can be seen by
   * another client before its own answer arrives, so "after X was seen" must compare the sending.
   */
  record Request(long sentNanos, long nanos, String method, String path, int code) {

    boolean isWrite() {
      return WRITES.contains(method);
    }

    boolean inNamespace(String namespace) {
      return path.contains("/namespaces/" + namespace + "/");
    }

    @Override
    public String toString() {
      return method + " " + path + " -> " + code;
    }
  }

  private final List<Request> requests = new ArrayList<>();

  @Override
  public void before(BasicBuilder builder, HttpRequest request, Interceptor.RequestTags tags) {
    builder.setHeader(SENT_NANOS, Long.toString(System.nanoTime()));
  }

  @Override
  public void after(
      HttpRequest request,
      HttpResponse<?> response,
      AsyncBody.Consumer<List<ByteBuffer>> consumer) {
    long now = System.nanoTime();
    String sent = request.header(SENT_NANOS);
    Request answered =
        new Request(
            sent == null ? now : Long.parseLong(sent),
            now,
            request.method(),
            request.uri().getPath(),
            response.code());
    synchronized (requests) {
      requests.add(answered);
    }
  }

  /**
   * A point in time; requests after it are those sent later. Sent, not answered: a state the test
   * saw may come from a write whose answer the operator had not received yet, and that write must
   * not count as one after it.
   */
  long mark() {
    return System.nanoTime();
  }

  List<Request> since(long mark, Predicate<Request> filter) {
    synchronized (requests) {
      return requests.stream().filter(r -> r.sentNanos() > mark).filter(filter).toList();
    }
  }

  /** The writes into a namespace since the mark, as "METHOD path -> code". */
  List<String> writesSince(long mark, String namespace) {
    return since(mark, r -> r.isWrite() && r.inNamespace(namespace)).stream()
        .map(Request::toString)
        .toList();
  }

  /** True when no write into the namespace was answered for at least {@code quiet}. */
  boolean quietFor(String namespace, Duration quiet) {
    long now = System.nanoTime();
    synchronized (requests) {
      for (int i = requests.size() - 1; i >= 0; i--) {
        Request request = requests.get(i);
        if (request.isWrite() && request.inNamespace(namespace)) {
          return now - request.nanos() >= quiet.toNanos();
        }
      }
    }
    return true;
  }

  List<Request> all() {
    synchronized (requests) {
      return new ArrayList<>(requests);
    }
  }
}
