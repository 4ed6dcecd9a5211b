package dev.registryoperator.it;

import io.fabric8.kubernetes.client.http.AsyncBody;
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

  /** One answered request; {@code path} has no query string. */
  record Request(long nanos, String method, String path, int code) {

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
  public void after(
      HttpRequest request,
      HttpResponse<?> response,
      AsyncBody.Consumer<List<ByteBuffer>> consumer) {
    Request answered =
        new Request(System.nanoTime(), request.method(), request.uri().getPath(), response.code());
    synchronized (requests) {
      requests.add(answered);
    }
  }

  /** A position in the log; requests after it are those answered later. */
  int mark() {
    synchronized (requests) {
      return requests.size();
    }
  }

  List<Request> since(int mark, Predicate<Request> filter) {
    synchronized (requests) {
      return requests.subList(mark, requests.size()).stream().filter(filter).toList();
    }
  }

  /** The writes into a namespace since the mark, as "METHOD path -> code". */
  List<String> writesSince(int mark, String namespace) {
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
