package dev.registryoperator.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class OwnImageTest {

  static KubernetesClient client;

  private static final Map<String, String> IN_POD =
      Map.of(OwnImage.POD_NAME_ENV, "operator-1", OwnImage.POD_NAMESPACE_ENV, "ops");

  @Test
  void theImageOfTheOperatorContainerOfItsOwnPod() {
    client
        .pods()
        .inNamespace("ops")
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName("operator-1")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("sidecar")
                .withImage("example.test/sidecar:1")
                .endContainer()
                .addNewContainer()
                .withName(OwnImage.CONTAINER)
                .withImage("example.test/registry-operator:2")
                .endContainer()
                .endSpec()
                .build())
        .create();
    assertThat(OwnImage.discover(client, IN_POD)).contains("example.test/registry-operator:2");
  }

  @Test
  void noneOutsideAPodOrForAPodThatIsNotThere() {
    assertThat(OwnImage.discover(client, Map.of())).isEmpty();
    assertThat(
            OwnImage.discover(
                client, Map.of(OwnImage.POD_NAME_ENV, "gone", OwnImage.POD_NAMESPACE_ENV, "ops")))
        .isEmpty();
  }

  @Test
  void anApiServerThatDoesNotAnswerStopsTheOperatorRatherThanRollRegistriesToAnotherImage()
      throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (KubernetesClient away =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("https://127.0.0.1:" + closedPort)
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build()) {
      assertThatThrownBy(() -> OwnImage.discover(away, IN_POD))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "Cannot read pod ops/operator-1 to learn the operator's image: the API server did"
                  + " not answer");
    }
  }
}
