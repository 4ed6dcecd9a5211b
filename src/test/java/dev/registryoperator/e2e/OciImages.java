package dev.registryoperator.e2e;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes OCI image layouts for push and pull tests without any image tooling: one layer holding a
 * single file of random bytes (incompressible, so the bytes on the wire are the size asked for),
 * its config and manifest, and {@code index.json} naming it by tag. {@code skopeo copy oci:DIR:TAG
 * docker://...} pushes it as is.
 *
 * <p>Each call draws new random bytes, so every image has its own layer digest and a registry
 * cannot skip the upload because it already holds the blob.
 */
public final class OciImages {

  public static final String MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
  public static final String CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json";
  public static final String LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";

  /** The file inside the layer. */
  public static final String PAYLOAD_FILE = "payload.bin";

  private static final int BUFFER = 1 << 20;
  private static final SecureRandom SEEDS = new SecureRandom();

  private OciImages() {}

  /** What was written; digests are "sha256:<hex>". */
  public record OciImage(
      Path layout,
      String tag,
      String manifestDigest,
      long manifestSize,
      String configDigest,
      String layerDigest,
      long layerSize,
      String diffId,
      long payloadBytes) {

    /** The skopeo / containers-image reference of this image. */
    public String reference() {
      return "oci:" + layout + ":" + tag;
    }

    public Path blob(String digest) {
      return OciImages.blob(layout, digest);
    }
  }

  /**
   * Writes a layout at {@code layout} (created if missing) with one image tagged {@code tag} whose
   * only layer is a gzip tar holding {@value #PAYLOAD_FILE} of {@code payloadBytes} random bytes.
   * Memory use is constant; a 256 MiB layer is streamed to disk.
   */
  public static OciImage withRandomLayer(Path layout, String tag, long payloadBytes) {
    try {
      Path blobs = Files.createDirectories(layout.resolve("blobs").resolve("sha256"));
      Path partial = Files.createTempFile(blobs, "layer-", ".partial");
      MessageDigest diffId = sha256();
      MessageDigest layerDigest = sha256();
      long layerSize;
      try (CountingOutputStream counted =
              new CountingOutputStream(
                  new DigestOutputStream(Files.newOutputStream(partial), layerDigest));
          GZIPOutputStream gzip = new StoredGzipOutputStream(counted);
          DigestOutputStream tar = new DigestOutputStream(gzip, diffId)) {
        writeTar(tar, payloadBytes);
        tar.flush();
        gzip.finish();
        layerSize = counted.count;
      }
      String layer = "sha256:" + hex(layerDigest);
      Files.move(partial, blob(layout, layer), StandardCopyOption.REPLACE_EXISTING);
      String diff = "sha256:" + hex(diffId);

      String config =
          "{\"architecture\":\"amd64\",\"os\":\"linux\","
              + "\"config\":{\"Cmd\":[\"/"
              + PAYLOAD_FILE
              + "\"]},"
              + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
              + diff
              + "\"]},"
              + "\"history\":[{\"created_by\":\"OciImages.withRandomLayer "
              + payloadBytes
              + "\"}]}";
      Descriptor configBlob = writeBlob(layout, config);

      String manifest =
          "{\"schemaVersion\":2,\"mediaType\":\""
              + MANIFEST_MEDIA_TYPE
              + "\","
              + "\"config\":{\"mediaType\":\""
              + CONFIG_MEDIA_TYPE
              + "\",\"digest\":\""
              + configBlob.digest
              + "\",\"size\":"
              + configBlob.size
              + "},"
              + "\"layers\":[{\"mediaType\":\""
              + LAYER_MEDIA_TYPE
              + "\",\"digest\":\""
              + layer
              + "\",\"size\":"
              + layerSize
              + "}]}";
      Descriptor manifestBlob = writeBlob(layout, manifest);

      Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
      Files.writeString(
          layout.resolve("index.json"),
          "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
              + MANIFEST_MEDIA_TYPE
              + "\","
              + "\"digest\":\""
              + manifestBlob.digest
              + "\",\"size\":"
              + manifestBlob.size
              + ","
              + "\"annotations\":{\"org.opencontainers.image.ref.name\":\""
              + tag
              + "\"}}]}");
      return new OciImage(
          layout,
          tag,
          manifestBlob.digest,
          manifestBlob.size,
          configBlob.digest,
          layer,
          layerSize,
          diff,
          payloadBytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write an OCI layout at " + layout, e);
    }
  }

  /** Where the Distribution registry's filesystem driver keeps a blob, under its root directory. */
  public static Path blobInRegistryStorage(Path rootDirectory, String digest) {
    String hex = digest.substring("sha256:".length());
    return rootDirectory
        .resolve("docker/registry/v2/blobs/sha256")
        .resolve(hex.substring(0, 2))
        .resolve(hex)
        .resolve("data");
  }

  /** The file of a blob in a layout. */
  public static Path blob(Path layout, String digest) {
    return layout.resolve("blobs").resolve("sha256").resolve(digest.substring("sha256:".length()));
  }

  /** SHA-256 of a file as "sha256:<hex>", streaming. */
  public static String digest(Path file) {
    MessageDigest digest = sha256();
    try (var in = Files.newInputStream(file)) {
      byte[] buffer = new byte[BUFFER];
      for (int read; (read = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, read);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "sha256:" + hex(digest);
  }

  /** A ustar archive with one regular file of random bytes. */
  private static void writeTar(OutputStream out, long payloadBytes) throws IOException {
    out.write(tarHeader(PAYLOAD_FILE, payloadBytes));
    SplittableRandom random = new SplittableRandom(SEEDS.nextLong());
    byte[] buffer = new byte[BUFFER];
    for (long left = payloadBytes; left > 0; ) {
      int chunk = (int) Math.min(buffer.length, left);
      random.nextBytes(buffer);
      out.write(buffer, 0, chunk);
      left -= chunk;
    }
    int padding = (int) ((512 - payloadBytes % 512) % 512);
    out.write(new byte[padding]);
    // End of archive: two zero blocks.
    out.write(new byte[1024]);
  }

  private static byte[] tarHeader(String name, long size) {
    if (size >= 077777777777L) {
      throw new IllegalArgumentException("a ustar size field holds at most 8 GiB");
    }
    byte[] header = new byte[512];
    put(header, 0, name);
    put(header, 100, "0000644");
    put(header, 108, "0000000");
    put(header, 116, "0000000");
    put(header, 124, String.format("%011o", size));
    // A fixed modification time keeps the tar's digest a function of the payload alone.
    put(header, 136, String.format("%011o", 0L));
    header[156] = '0';
    put(header, 257, "ustar");
    put(header, 263, "00");
    for (int i = 148; i < 156; i++) {
      header[i] = ' ';
    }
    long checksum = 0;
    for (byte b : header) {
      checksum += b & 0xff;
    }
    put(header, 148, String.format("%06o", checksum));
    header[154] = 0;
    header[155] = ' ';
    return header;
  }

  private static void put(byte[] header, int offset, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }

  private record Descriptor(String digest, long size) {}

  private static Descriptor writeBlob(Path layout, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    String digest = "sha256:" + HexFormat.of().formatHex(sha256().digest(bytes));
    Files.write(blob(layout, digest), bytes);
    return new Descriptor(digest, bytes.length);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * gzip with stored (uncompressed) deflate blocks: still a valid tar+gzip layer, but random bytes
   * cannot be compressed anyway and storing them keeps a 256 MiB layer fast to build.
   */
  private static final class StoredGzipOutputStream extends GZIPOutputStream {
    StoredGzipOutputStream(OutputStream out) throws IOException {
      super(out, BUFFER);
      def.setLevel(Deflater.NO_COMPRESSION);
    }
  }

  private static final class CountingOutputStream extends FilterOutputStream {
    long count;

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
