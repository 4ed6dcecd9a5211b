package dev.registryoperator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.registryoperator.e2e.AtomicWriter.FileProjection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubelet volume layout on its own: no namespaces, no root needed. */
class AtomicWriterTest {

  @TempDir Path volume;

  private final AtomicInteger permissionPasses = new AtomicInteger();

  private AtomicWriter writer() {
    return new AtomicWriter(volume, dir -> permissionPasses.incrementAndGet());
  }

  @Test
  void writesOneFilePerKeyBehindTheDataLink() throws Exception {
    assertThat(
            writer()
                .write(Map.of("htpasswd", file("alice\n", 0440), "nested/key", file("x", 0644))))
        .isTrue();

    Path data = volume.resolve(AtomicWriter.DATA_DIR);
    assertThat(Files.readSymbolicLink(data).toString()).startsWith("..");
    assertThat(Files.readSymbolicLink(volume.resolve("htpasswd")))
        .isEqualTo(Path.of("..data/htpasswd"));
    assertThat(Files.readSymbolicLink(volume.resolve("nested")))
        .isEqualTo(Path.of("..data/nested"));
    assertThat(volume.resolve("htpasswd")).hasContent("alice");
    assertThat(volume.resolve("nested/key")).hasContent("x");
    assertThat(Integer.toOctalString(Posix.mode(data.resolve("htpasswd")))).isEqualTo("440");
    assertThat(permissionPasses).hasValue(1);
  }

  @Test
  void anUpdateSwapsTheDataLinkAndRemovesWhatIsGone() throws Exception {
    AtomicWriter writer = writer();
    writer.write(Map.of("htpasswd", file("alice\n", 0644), "old", file("o", 0644)));
    Path first = Files.readSymbolicLink(volume.resolve(AtomicWriter.DATA_DIR));

    assertThat(writer.write(Map.of("htpasswd", file("alice\nbob\n", 0644)))).isTrue();

    Path second = Files.readSymbolicLink(volume.resolve(AtomicWriter.DATA_DIR));
    assertThat(second).isNotEqualTo(first);
    assertThat(volume.resolve("htpasswd")).hasContent("alice\nbob");
    assertThat(volume.resolve("old")).doesNotExist();
    assertThat(volume.resolve(first)).doesNotExist();
    try (Stream<Path> entries = Files.list(volume)) {
      assertThat(entries.map(path -> path.getFileName().toString()))
          .containsExactlyInAnyOrder("..data", second.toString(), "htpasswd");
    }
  }

  @Test
  void unchangedContentIsNotRewritten() throws Exception {
    AtomicWriter writer = writer();
    writer.write(Map.of("htpasswd", file("alice\n", 0644)));
    Path first = Files.readSymbolicLink(volume.resolve(AtomicWriter.DATA_DIR));

    assertThat(writer.write(Map.of("htpasswd", file("alice\n", 0644)))).isFalse();
    assertThat(Files.readSymbolicLink(volume.resolve(AtomicWriter.DATA_DIR))).isEqualTo(first);
  }

  @Test
  void refusesPathsThatEscapeTheVolume() {
    assertThatThrownBy(() -> writer().write(Map.of("../escape", file("x", 0644))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> writer().write(Map.of("..data", file("x", 0644))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static FileProjection file(String content, int mode) {
    return new FileProjection(content.getBytes(StandardCharsets.UTF_8), mode);
  }
}
