package dev.registryoperator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.tls.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciImagesTest {

  @TempDir Path work;

  @Test
  void writesALayoutWhoseDigestsMatchTheBlobs() throws Exception {
    OciImages.OciImage image = OciImages.withRandomLayer(work.resolve("layout"), "v1", 300_000);

    for (String digest :
        new String[] {image.manifestDigest(), image.configDigest(), image.layerDigest()}) {
      assertThat(OciImages.digest(image.blob(digest))).isEqualTo(digest);
    }
    assertThat(image.blob(image.layerDigest())).hasSize(image.layerSize());
    // Random bytes do not compress: the layer is the payload plus tar and gzip framing.
    assertThat(image.layerSize()).isBetween(300_000L, 300_000L + 4096);
    assertThat(Files.readString(image.blob(image.manifestDigest())))
        .contains(image.configDigest(), image.layerDigest(), OciImages.LAYER_MEDIA_TYPE);
    assertThat(Files.readString(image.blob(image.configDigest()))).contains(image.diffId());
    assertThat(Files.readString(work.resolve("layout/index.json")))
        .contains(image.manifestDigest(), "\"org.opencontainers.image.ref.name\":\"v1\"");

    // tar and gzip themselves read the layer.
    ExternalTool tar = ExternalTool.require("/usr/bin/tar", "apt-get install tar");
    ExternalTool.Result listing =
        tar.run(work, "-tzvf", image.blob(image.layerDigest()).toString());
    assertThat(listing.exitCode()).as(listing.output()).isZero();
    assertThat(listing.output()).contains("300000", OciImages.PAYLOAD_FILE);
  }

  @Test
  void everyImageHasItsOwnLayer() {
    OciImages.OciImage first = OciImages.withRandomLayer(work.resolve("a"), "v1", 1024);
    OciImages.OciImage second = OciImages.withRandomLayer(work.resolve("b"), "v1", 1024);
    assertThat(first.layerDigest()).isNotEqualTo(second.layerDigest());
  }
}
