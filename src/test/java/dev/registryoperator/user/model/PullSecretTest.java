package dev.registryoperator.user.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PullSecretTest {

  @Test
  void notesThePasswordSourceAndGivesThePasswordBack() {
    Secret pull =
        PullSecret.render(
            user(),
            "alice",
            "p@ss:wörd\"1",
            "uid/3/password/10",
            List.of("reg.ns.svc:15000"),
            "CA");
    assertThat(pull.getType()).isEqualTo(Keys.DOCKER_CONFIG_TYPE);
    assertThat(PullSecret.passwordSource(pull)).contains("uid/3/password/10");
    assertThat(PullSecret.password(pull)).contains("p@ss:wörd\"1");
    assertThat(SecretData.decode(pull, Keys.CA_CERT)).contains("CA");
  }

  @Test
  void renderingIsByteStable() {
    List<String> hosts = List.of("reg.ns.svc:15000", "registry.example.com");
    assertThat(PullSecret.render(user(), "alice", "secret-1", "s", hosts, null))
        .isEqualTo(PullSecret.render(user(), "alice", "secret-1", "s", hosts, null));
  }

  @Test
  void aSecretItDidNotRenderHasNoPasswordOrSource() {
    Secret foreign =
        new SecretBuilder()
            .withNewMetadata()
            .withName("x")
            .endMetadata()
            .withData(SecretData.encode(Map.of(Keys.DOCKER_CONFIG, "not json")))
            .build();
    assertThat(PullSecret.password(foreign)).isEmpty();
    assertThat(PullSecret.passwordSource(foreign)).isEmpty();
    assertThat(PullSecret.password(null)).isEmpty();
  }

  private static RegistryUser user() {
    RegistryUser user = new RegistryUser();
    user.getMetadata().setName("alice");
    user.getMetadata().setNamespace("ns");
    user.getMetadata().setUid("u-1");
    user.getSpec().registryRef = "reg";
    return user;
  }
}
