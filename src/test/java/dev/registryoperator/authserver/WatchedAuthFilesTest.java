package dev.registryoperator.authserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.access.AccessFile;
import dev.registryoperator.access.Action;
import dev.registryoperator.access.Grant;
import dev.registryoperator.access.Permissions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mindrot.jbcrypt.BCrypt;

class WatchedAuthFilesTest {

  @TempDir Path dir;

  private final AuthMetrics metrics = new AuthMetrics();
  private final List<HtpasswdEntries> notified = new ArrayList<>();

  private static final String ACCESS =
      AccessFile.of(
              List.of(),
              Map.of(
                  "alice",
                  new Permissions(
                      List.of(new Grant(List.of("team-a/*"), List.of(Action.pull))), false)))
          .render();

  private WatchedAuthFiles files(SecretVolume volume, Optional<List<Path>> token) {
    return new WatchedAuthFiles(
        volume.path("htpasswd"), volume.path("access.json"), token, notified::add, metrics);
  }

  private static String user(String name) {
    return name + ":" + BCrypt.hashpw("pw", BCrypt.gensalt(4)) + "\n";
  }

  @Test
  void startsEmptyAndIncompleteWhenTheFilesAreMissingAndLoadsThemWhenTheyAppear() throws Exception {
    SecretVolume volume = new SecretVolume(dir.resolve("auth"));
    WatchedAuthFiles files = files(volume, Optional.empty());

    files.refresh();
    assertThat(files.rules().complete()).isFalse();
    assertThat(files.rules().htpasswd().users()).isEmpty();
    assertThat(files.missing())
        .containsExactly(volume.path("htpasswd"), volume.path("access.json"));

    volume.write(Map.of("htpasswd", user("alice"), "access.json", ACCESS));
    files.refresh();

    assertThat(files.rules().complete()).isTrue();
    assertThat(files.missing()).isEmpty();
    assertThat(files.rules().htpasswd().users()).containsExactly("alice");
    assertThat(files.rules().access().allowed(Optional.of("alice"), "team-a/app"))
        .containsExactly(Action.pull);
    assertThat(notified).hasSize(1);
  }

  @Test
  void followsAnAtomicDataSwapAndReparsesOnlyWhatChanged() throws Exception {
    SecretVolume volume = new SecretVolume(dir.resolve("auth"));
    volume.write(Map.of("htpasswd", user("alice"), "access.json", ACCESS));
    WatchedAuthFiles files = files(volume, Optional.empty());
    files.refresh();
    WatchedAuthFiles.Rules first = files.rules();

    files.refresh();
    assertThat(files.rules()).as("nothing changed, nothing swapped").isSameAs(first);

    volume.write(Map.of("htpasswd", user("alice") + user("bob"), "access.json", ACCESS));
    files.refresh();

    assertThat(files.rules().htpasswd().users()).containsExactlyInAnyOrder("alice", "bob");
    assertThat(files.rules().access()).isEqualTo(first.access());
    assertThat(notified).hasSize(2);
  }

  @Test
  void keepsTheLastGoodVersionWhenAFileBreaksOrDisappearsAndWarnsOnce() throws Exception {
    SecretVolume volume = new SecretVolume(dir.resolve("auth"));
    volume.write(Map.of("htpasswd", user("alice"), "access.json", ACCESS));
    WatchedAuthFiles files = files(volume, Optional.empty());
    files.refresh();
    WatchedAuthFiles.Rules good = files.rules();

    volume.write(Map.of("htpasswd", user("alice"), "access.json", "{ not json"));
    files.refresh();
    files.refresh();
    assertThat(files.rules().access()).isEqualTo(good.access());
    assertThat(metrics.reloadsFailed.count()).isEqualTo(1);

    volume.write(Map.of("htpasswd", user("alice")));
    Files.delete(volume.path("access.json"));
    files.refresh();
    assertThat(files.rules().access()).isEqualTo(good.access());
    assertThat(files.rules().complete()).isTrue();
    assertThat(metrics.reloadsFailed.count()).isEqualTo(2);
  }

  @Test
  void loadsTheTokenKeyAndChainAsAPairAndKeepsTheOldPairWhenTheyDoNotMatch() throws Exception {
    SecretVolume auth = new SecretVolume(dir.resolve("auth"));
    auth.write(Map.of("htpasswd", user("alice"), "access.json", ACCESS));
    SecretVolume token = new SecretVolume(dir.resolve("token"));
    TokenKeys keys = TokenKeys.generate();
    token.write(Map.of("tls.key", keys.keyPem(), "tls.crt", keys.chainPem()));
    WatchedAuthFiles files =
        files(auth, Optional.of(List.of(token.path("tls.key"), token.path("tls.crt"))));

    files.refresh();
    assertThat(files.rules().complete()).isTrue();
    assertThat(files.rules().signingKey().orElseThrow().certificate())
        .isEqualTo(keys.signer().certificate());

    TokenKeys other = TokenKeys.generate();
    token.write(Map.of("tls.key", other.keyPem(), "tls.crt", keys.chainPem()));
    files.refresh();
    assertThat(files.rules().signingKey().orElseThrow().certificate())
        .isEqualTo(keys.signer().certificate());

    token.write(Map.of("tls.key", other.keyPem(), "tls.crt", other.chainPem()));
    files.refresh();
    assertThat(files.rules().signingKey().orElseThrow().certificate())
        .isEqualTo(other.signer().certificate());
  }
}
