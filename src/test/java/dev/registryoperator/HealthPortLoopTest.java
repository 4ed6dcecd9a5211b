package dev.registryoperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.RegistryOperator.Settings;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.status.Conditions;
import dev.registryoperator.testing.MockServerOperators;
import dev.registryoperator.user.model.PasswordHasher;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's health port, asked over HTTP while the real Operator runs on the mock API server:
 * /metrics with JOSDK's reconcile metrics and the operator's own series, with sane values; and the
 * probes kubelet asks, also after that API server went away (the operator stays alive, its
 * informers reconnecting, and says it is not ready).
 */
@EnableKubernetesMockClient(crud = true)
class HealthPortLoopTest {

  private static final String NAMESPACE = "metrics";

  static KubernetesClient client;
  static KubernetesMockServer server;

  private Operator operator;
  private HealthServer health;

  @AfterEach
  void stop() {
    health.stop();
    operator.stop();
  }

  @Test
  void metricsNameReadyCountsCertificateExpiryBcryptAndReconciles() throws Exception {
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    operator =
        RegistryOperator.create(
            client,
            new Settings(
                false, // the mock server cannot do server-side apply
                Set.of(),
                null,
                Clock.systemUTC(),
                new PasswordHasher(meters),
                MicrometerMetrics.withoutPerResourceMetrics(meters),
                meters,
                Settings.DEFAULT_OPERATOR_IMAGE,
                null));
    operator.start();
    health = HealthServer.start(0, operator, meters::scrape);

    PrivateRegistry registry = new PrivateRegistry();
    registry.getMetadata().setName("reg");
    registry.getMetadata().setNamespace(NAMESPACE);
    registry.getSpec().auth.bcryptCost = 4;
    client.resource(registry).create();
    RegistryUser user = new RegistryUser();
    user.getMetadata().setName("bob");
    user.getMetadata().setNamespace(NAMESPACE);
    user.getSpec().registryRef = "reg";
    client.resource(user).create();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              RegistryUser current =
                  client.resources(RegistryUser.class).inNamespace(NAMESPACE).withName("bob").get();
              return current.getStatus() != null
                  && Conditions.isTrue(current.getStatus().conditions, Conditions.READY);
            });
    // The certificate expiry row appears with the registry's next reconcile after its status.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> scrape().contains("registry_operator_certificate_expiration_timestamp_seconds{"));

    String metrics = scrape();
    assertThat(value(metrics, "registry_operator_resources{kind=\"RegistryUser\",ready=\"true\"}"))
        .isEqualTo(1.0);
    assertThat(value(metrics, "registry_operator_resources{kind=\"RegistryUser\",ready=\"false\"}"))
        .isEqualTo(0.0);
    // No Deployment ever becomes available on the mock server.
    assertThat(
            value(metrics, "registry_operator_resources{kind=\"PrivateRegistry\",ready=\"false\"}"))
        .isEqualTo(1.0);
    assertThat(value(metrics, "registry_operator_bcrypt_operations_total")).isEqualTo(1.0);
    double expiry =
        value(
            metrics,
            "registry_operator_certificate_expiration_timestamp_seconds{name=\"reg\",namespace=\"metrics\"}");
    long inAYear = Instant.now().plus(Duration.ofDays(365)).getEpochSecond();
    assertThat(expiry).isBetween(inAYear - 3600.0, inAYear + 3600.0);
    // JOSDK's own series: every reconcile so far succeeded, and none failed.
    Matcher successes =
        Pattern.compile(
                "(?m)^operator_sdk_reconciliations_success_total\\{[^}]*kind=\"RegistryUser\"[^}]*\\} (\\S+)$")
            .matcher(metrics);
    assertThat(successes.find()).as("RegistryUser reconcile successes in%n%s", metrics).isTrue();
    assertThat(Double.parseDouble(successes.group(1))).isGreaterThanOrEqualTo(1.0);
    assertThat(metrics).doesNotContainPattern("(?m)^operator_sdk_reconciliations_failed_total");
    assertThat(metrics).doesNotContain("password").doesNotContain("$2a$");
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
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health.port() + path)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private String scrape() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health.port() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  /** The value of one series in Prometheus' text format. */
  private static double value(String metrics, String series) {
    Matcher line = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
    assertThat(line.find()).as("series %s in%n%s", series, metrics).isTrue();
    return Double.parseDouble(line.group(1));
  }
}
