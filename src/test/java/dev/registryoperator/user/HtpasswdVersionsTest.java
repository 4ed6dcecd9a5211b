package dev.registryoperator.user;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HtpasswdVersionsTest {

  private final HtpasswdVersions versions = new HtpasswdVersions();

  @Test
  void aFileSeenForTheFirstTimeMayConcernAnyone() {
    assertThat(versions.changedUsernames(file("1", "alice:h1\n"))).isEmpty();
  }

  @Test
  void aNewVersionNamesTheAddedChangedAndRemovedUsernamesOnly() {
    versions.changedUsernames(file("1", "alice:h1\nbob:h2\ncarol:h3\n"));
    assertThat(versions.changedUsernames(file("2", "alice:h1\nbob:h2-new\ndave:h4\n")))
        .contains(Set.of("bob", "carol", "dave"));
  }

  @Test
  void askingAgainAboutTheSameVersionGivesTheSameAnswer() {
    versions.changedUsernames(file("1", "alice:h1\n"));
    Secret second = file("2", "alice:h1\nbob:h2\n");
    assertThat(versions.changedUsernames(second)).contains(Set.of("bob"));
    assertThat(versions.changedUsernames(second)).contains(Set.of("bob"));
  }

  @Test
  void filesOfDifferentRegistriesAreKeptApart() {
    versions.changedUsernames(file("reg-a", "1", "alice:h1\n"));
    assertThat(versions.changedUsernames(file("reg-b", "2", "alice:h1\n"))).isEmpty();
  }

  private static Secret file(String resourceVersion, String content) {
    return file("reg", resourceVersion, content);
  }

  private static Secret file(String registry, String resourceVersion, String content) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(registry + "-htpasswd")
        .withNamespace("ns")
        .withResourceVersion(resourceVersion)
        .endMetadata()
        .withData(SecretData.encode(Map.of(Keys.HTPASSWD, content)))
        .build();
  }
}
