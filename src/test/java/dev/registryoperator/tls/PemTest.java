package dev.registryoperator.tls;

import static dev.registryoperator.testing.Fixtures.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {

  private static KeyAndCertificate server;

  @BeforeAll
  static void issue() {
    CertificateAuthority ca = CertificateAuthority.generate("test CA", CLOCK);
    server = ca.issueServerCertificate(List.of("demo"), Duration.ofDays(30), CLOCK);
  }

  @Test
  void certificatesAreWrittenAsPemCertificateBlocks() {
    assertThat(Pem.encode(server.certificate()))
        .startsWith("-----BEGIN CERTIFICATE-----")
        .endsWith("-----END CERTIFICATE-----" + System.lineSeparator());
  }

  @Test
  void keysAreWrittenAsPkcs8() {
    // "PRIVATE KEY" (PKCS#8) rather than "EC PRIVATE KEY": every consumer here reads it.
    assertThat(Pem.encode(server.key())).startsWith("-----BEGIN PRIVATE KEY-----");
  }

  @Test
  void encodingIsStableForTheSameObject() {
    // Secrets are rendered from these strings; a varying encoding would be drift.
    assertThat(Pem.encode(server.key())).isEqualTo(Pem.encode(server.key()));
    assertThat(Pem.encode(server.certificate())).isEqualTo(Pem.encode(server.certificate()));
  }

  @Test
  void readsBackWhatItWrites() {
    assertThat(Pem.certificate(Pem.encode(server.certificate()))).isEqualTo(server.certificate());
    assertThat(Pem.privateKey(Pem.encode(server.key())).getEncoded())
        .isEqualTo(server.key().getEncoded());
  }

  @Test
  void readsTraditionalEcKeysAsOpensslWritesThem(@TempDir Path dir) throws Exception {
    // Users bring their own Secrets; "EC PRIVATE KEY" (SEC1) is what `openssl ecparam -genkey`
    // gives.
    ExternalTool openssl = ExternalTool.openssl();
    Files.writeString(dir.resolve("pkcs8.pem"), server.keyPem());
    ExternalTool.Result sec1 = openssl.run(dir, "ec", "-in", "pkcs8.pem", "-outform", "PEM");
    assertThat(sec1.exitCode()).as(sec1.output()).isZero();
    String sec1Pem =
        sec1.output().substring(sec1.output().indexOf("-----BEGIN EC PRIVATE KEY-----"));

    PrivateKey readBack = Pem.privateKey(sec1Pem);

    // The encodings differ (SEC1 carries the public key too); the private scalar must not.
    assertThat(((ECPrivateKey) readBack).getS()).isEqualTo(((ECPrivateKey) server.key()).getS());
    assertThat(new KeyAndCertificate(server.certificate(), readBack).keyMatchesCertificate())
        .isTrue();
  }

  @Test
  void rejectsACertificateWhereAKeyIsExpectedAndViceVersa() {
    assertThatThrownBy(() -> Pem.privateKey(server.certificatePem()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Pem.certificate(server.keyPem()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsTextWithoutPem() {
    assertThatThrownBy(() -> Pem.certificate("hello")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Pem.privateKey("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void errorMessagesNeverQuoteTheRejectedInput() {
    // A damaged key is still a secret: it must not reach a status message or a log.
    String damagedKey = server.keyPem().replace("PRIVATE KEY", "PRIVATE KEX");
    String secretLine = server.keyPem().lines().skip(1).findFirst().orElseThrow();

    assertThatThrownBy(() -> Pem.privateKey(damagedKey))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(messages(e)).doesNotContain(secretLine));
    assertThatThrownBy(() -> Pem.certificate(server.keyPem()))
        .satisfies(e -> assertThat(messages(e)).doesNotContain(secretLine));
  }

  /** Every message a logged stack trace would print, causes included. */
  private static String messages(Throwable thrown) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      all.append(t).append('\n');
    }
    return all.toString();
  }
}
