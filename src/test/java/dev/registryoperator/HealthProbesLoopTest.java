package dev.registryoperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.testing.MockServerOperators;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The probes kubelet asks, while the real Operator runs on the mock API server and after that
 * server went away: the operator stays alive (its informers keep reconnecting) and says it is not
 * ready.
 */
@EnableKubernetesMockClient(crud = true)
class HealthProbesLoopTest {

  static KubernetesClient client;
  static KubernetesMockServer server;

  private final HttpClient http = HttpClient.newHttpClient();
  private Operator operator;
  private HealthServer health;

  @AfterEach
  void stop() {
    health.stop();
    operator.stop();
  }

  @Test
  void anAbsentApiServerMakesTheOperatorNotReadyButNotDead() throws Exception {
    operator = RegistryOperator.create(client, MockServerOperators.settings());
    operator.start();
    health = HealthServer.start(0, operator, () -> "");
    await("every probe answers 200")
        .atMost(Duration.ofSeconds(30))
        .until(() -> status("/startup") == 200 && status("/readyz") == 200);
    assertThat(status("/healthz")).as("/healthz while the API server answers").isEqualTo(200);

    server.destroy();

    await("/readyz once the watches are gone")
        .atMost(Duration.ofSeconds(30))
        .until(() -> status("/readyz") == 503);
    assertThat(status("/healthz"))
        .as("/healthz (liveness) while the informers try to reconnect")
        .isEqualTo(200);
    assertThat(status("/startup")).as("/startup after the start").isEqualTo(200);
  }

  private int status(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health.port() + path)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
