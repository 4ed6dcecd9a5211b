package dev.registryoperator.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.AuthSpec.AuthMode;
import dev.registryoperator.api.v1alpha1.PrivateRegistrySpec;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.status.Problem;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.Pem;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExternalTokenTrustTest {

  private static final PrivateRegistrySpec EXTERNAL =
      Fixtures.registryInMode(AuthMode.ExternalToken).getSpec();

  @Test
  void onlyExternalTokenModeReadsASecret() {
    assertThat(ExternalTokenTrust.secretName(Fixtures.registry().getSpec())).isEmpty();
    assertThat(ExternalTokenTrust.secretName(EXTERNAL)).contains("auth-certs");
    assertThat(ExternalTokenTrust.check(Fixtures.registry().getSpec(), null)).isEmpty();
  }

  @Test
  void aMissingSecretOrKeyIsReportedByName() {
    assertThat(ExternalTokenTrust.check(EXTERNAL, null))
        .map(Problem::reason)
        .contains("TokenCertificatesNotFound");
    assertThat(ExternalTokenTrust.check(EXTERNAL, secret(Map.of("other", "x"))))
        .map(Problem::message)
        .hasValueSatisfying(message -> assertThat(message).contains("auth-certs", "'ca.crt'"));
  }

  @Test
  void aBundleWithoutACertificateIsInvalidAndARealOneIsAccepted() {
    assertThat(ExternalTokenTrust.check(EXTERNAL, secret(Map.of("ca.crt", "not a certificate"))))
        .map(Problem::reason)
        .contains("TokenCertificatesInvalid");
    String pem =
        Pem.encode(CertificateAuthority.generate("token server", Fixtures.CLOCK).certificate());
    assertThat(ExternalTokenTrust.check(EXTERNAL, secret(Map.of("ca.crt", pem)))).isEmpty();
  }

  private static Secret secret(Map<String, String> data) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName("auth-certs")
        .endMetadata()
        .withData(SecretData.encode(data))
        .build();
  }
}
