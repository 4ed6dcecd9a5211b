package dev.registryoperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.status.Conditions;
import dev.registryoperator.testing.MockServerOperators;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The operator started with {@code --namespace team-a}, on the mock API server: it serves the
 * registries and users of that namespace and leaves another namespace's alone. Its cluster-wide
 * watches (the optional integrations' CRDs) start as well.
 */
@EnableKubernetesMockClient(crud = true)
class NamespacedOperatorLoopTest {

  static KubernetesClient client;

  private Operator operator;

  @AfterEach
  void stop() {
    operator.stop();
  }

  @Test
  void onlyTheWatchedNamespaceIsServed() throws Exception {
    operator = RegistryOperator.create(client, MockServerOperators.settings(Set.of("team-a")));
    operator.start();
    create("team-b", "ignored");
    create("team-a", "served");

    await("the user in team-a Ready")
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              RegistryUser user = user("team-a");
              return user.getStatus() != null
                  && Conditions.isTrue(user.getStatus().conditions, Conditions.READY);
            });
    assertThat(
            client
                .resources(PrivateRegistry.class)
                .inNamespace("team-a")
                .withName("served")
                .get()
                .getStatus())
        .as("the registry in team-a")
        .isNotNull();
    // team-b's objects were created first: had they been watched, they would have a status by now.
    assertThat(
            client
                .resources(PrivateRegistry.class)
                .inNamespace("team-b")
                .withName("ignored")
                .get()
                .getStatus())
        .as("the registry in team-b")
        .isNull();
    assertThat(user("team-b").getStatus()).as("the user in team-b").isNull();
    assertThat(client.secrets().inNamespace("team-b").list().getItems())
        .as("Secrets in team-b")
        .isEmpty();
  }

  private void create(String namespace, String registryName) {
    PrivateRegistry registry = new PrivateRegistry();
    registry.getMetadata().setName(registryName);
    registry.getMetadata().setNamespace(namespace);
    registry.getSpec().auth.bcryptCost = 4;
    client.resource(registry).create();
    RegistryUser user = new RegistryUser();
    user.getMetadata().setName("bob");
    user.getMetadata().setNamespace(namespace);
    user.getSpec().registryRef = registryName;
    client.resource(user).create();
  }

  private RegistryUser user(String namespace) {
    return client.resources(RegistryUser.class).inNamespace(namespace).withName("bob").get();
  }
}
