package dev.registryoperator.tls;

import static dev.registryoperator.testing.Fixtures.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KeyAndCertificateTest {

  private static CertificateAuthority ca;
  private static KeyAndCertificate server;
  private static KeyAndCertificate other;

  @BeforeAll
  static void issue() {
    ca = CertificateAuthority.generate("test CA", CLOCK);
    server = ca.issueServerCertificate(List.of("demo"), Duration.ofDays(30), CLOCK);
    other = ca.issueServerCertificate(List.of("demo"), Duration.ofDays(30), CLOCK);
  }

  @Test
  void keyMatchesItsOwnCertificate() {
    assertThat(server.keyMatchesCertificate()).isTrue();
    assertThat(ca.keyAndCertificate().keyMatchesCertificate()).isTrue();
  }

  @Test
  void keyOfAnotherCertificateDoesNotMatch() {
    // Same CA, same names: only the key pair differs, as after a half-written Secret update.
    KeyAndCertificate mixed = new KeyAndCertificate(server.certificate(), other.key());

    assertThat(mixed.keyMatchesCertificate()).isFalse();
  }

  @Test
  void pemRoundTripKeepsCertificateAndKey() {
    KeyAndCertificate readBack =
        KeyAndCertificate.fromPem(server.certificatePem(), server.keyPem());

    assertThat(readBack.certificate()).isEqualTo(server.certificate());
    assertThat(readBack.key().getEncoded()).isEqualTo(server.key().getEncoded());
    assertThat(readBack.keyMatchesCertificate()).isTrue();
  }

  @Test
  void toStringNamesTheSubjectButNeverShowsTheKey() {
    String printed = server.toString();
    ECPrivateKey key = (ECPrivateKey) server.key();
    String encodedKey = Base64.getEncoder().encodeToString(key.getEncoded());

    assertThat(printed).contains("CN=demo");
    assertThat(printed)
        .doesNotContain("PRIVATE KEY")
        .doesNotContain("BEGIN")
        // Any 16-character run of the key's base64 encoding would be a leak.
        .doesNotContain(encodedKey.substring(encodedKey.length() / 2, encodedKey.length() / 2 + 16))
        .doesNotContain(key.getS().toString())
        .doesNotContain(key.getS().toString(16));
  }

  @Test
  void toStringOfTheCaDoesNotShowItsKeyEither() {
    String encodedKey =
        Base64.getEncoder().encodeToString(ca.keyAndCertificate().key().getEncoded());

    assertThat(ca.toString()).doesNotContain("PRIVATE KEY");
    assertThat(ca.keyAndCertificate().toString())
        .doesNotContain("PRIVATE KEY")
        .doesNotContain(
            encodedKey.substring(encodedKey.length() / 2, encodedKey.length() / 2 + 16));
  }

  @Test
  void jsonSerializationNeverCarriesTheKey() {
    // A pair that ends up in a logged or stored JSON document must not take its key along. Today
    // Jackson refuses the JDK certificate class outright; should that change, the key must still
    // stay out.
    ECPrivateKey key = (ECPrivateKey) server.key();
    String encodedKey = Base64.getEncoder().encodeToString(key.getEncoded());
    for (String json : List.of(jacksonOrEmpty(server), fabric8OrEmpty(server))) {
      assertThat(json)
          .doesNotContain("PRIVATE KEY")
          .doesNotContain(
              encodedKey.substring(encodedKey.length() / 2, encodedKey.length() / 2 + 16))
          .doesNotContain(key.getS().toString());
    }
  }

  @Test
  void stringConcatenationInALogMessageDoesNotLeakThePem() {
    // What a careless log.info("issued {}", pair) or exception message would print.
    String message = "issued " + server + " from " + ca.keyAndCertificate();

    assertThat(message).doesNotContain(server.keyPem().lines().skip(1).findFirst().orElseThrow());
    assertThat(message).doesNotContain("-----");
  }

  private static String jacksonOrEmpty(Object value) {
    try {
      return new ObjectMapper().writeValueAsString(value);
    } catch (JsonProcessingException refused) {
      return "";
    }
  }

  private static String fabric8OrEmpty(Object value) {
    try {
      return Serialization.asJson(value);
    } catch (RuntimeException refused) {
      return "";
    }
  }
}
