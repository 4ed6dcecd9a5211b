package dev.registryoperator.e2e;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * kubelet's probe handlers: an HTTP(S) GET to the pod IP (HTTPS without certificate checks, as
 * kubelet does; success is 200-399), a TCP connect, or a command run inside the container. Timing
 * (initialDelaySeconds, periodSeconds, thresholds) is left to the caller; gRPC probes are not
 * emulated.
 */
final class Probes {

  private static final HttpClient HTTP = insecureClient();

  private Probes() {}

  static boolean succeeds(
      Probe probe, Container container, ContainerProcess process, String podIp) {
    Duration timeout =
        Duration.ofSeconds(probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds());
    try {
      if (probe.getHttpGet() != null) {
        HTTPGetAction get = probe.getHttpGet();
        String scheme = get.getScheme() == null ? "http" : get.getScheme().toLowerCase();
        String host = get.getHost() == null || get.getHost().isEmpty() ? podIp : get.getHost();
        String path = get.getPath() == null ? "/" : get.getPath();
        URI uri = URI.create(scheme + "://" + host + ":" + port(get.getPort(), container) + path);
        HttpRequest.Builder request =
            HttpRequest.newBuilder(uri).timeout(timeout).header("User-Agent", "kube-probe/1.20");
        if (get.getHttpHeaders() != null) {
          get.getHttpHeaders()
              .forEach(header -> request.header(header.getName(), header.getValue()));
        }
        int status =
            HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        return status >= 200 && status < 400;
      }
      if (probe.getTcpSocket() != null) {
        try (Socket socket = new Socket()) {
          socket.connect(
              new InetSocketAddress(podIp, port(probe.getTcpSocket().getPort(), container)),
              (int) timeout.toMillis());
          return true;
        }
      }
      if (probe.getExec() != null) {
        return process.exec(timeout.plusSeconds(5), probe.getExec().getCommand()).succeeded();
      }
      throw new UnsupportedOperationException("probe not emulated: " + probe);
    } catch (IOException | IllegalStateException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A numeric port, or a named one resolved against the container's ports. */
  static int port(IntOrString port, Container container) {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    if (container.getPorts() != null) {
      for (ContainerPort candidate : container.getPorts()) {
        if (port.getStrVal().equals(candidate.getName())) {
          return candidate.getContainerPort();
        }
      }
    }
    throw new IllegalArgumentException(
        "container " + container.getName() + " has no port " + port.getStrVal());
  }

  private static HttpClient insecureClient() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new TrustAnything()}, new SecureRandom());
      return HttpClient.newBuilder()
          .sslContext(context)
          .connectTimeout(Duration.ofSeconds(2))
          .version(HttpClient.Version.HTTP_1_1)
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** kubelet's probes set InsecureSkipVerify: neither the chain nor the host name is checked. */
  private static final class TrustAnything extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
