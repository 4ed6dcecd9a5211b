package dev.registryoperator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import org.junit.jupiter.api.Test;

/** A CRD counts as installed once the API server serves its kind, not as soon as it exists. */
class CrdInstalledTest {

  @Test
  void aCrdIsServedOnceItIsEstablished() {
    assertThat(CrdInstalled.established(crd(null))).as("just created, no status").isFalse();
    assertThat(CrdInstalled.established(crd("False"))).as("Established=False").isFalse();
    assertThat(CrdInstalled.established(crd("True"))).as("Established=True").isTrue();
  }

  @Test
  void namesAcceptedAloneIsNotEnough() {
    CustomResourceDefinition accepted =
        new CustomResourceDefinitionBuilder(crd(null))
            .withNewStatus()
            .addNewCondition()
            .withType("NamesAccepted")
            .withStatus("True")
            .endCondition()
            .endStatus()
            .build();

    assertThat(CrdInstalled.established(accepted)).isFalse();
  }

  private static CustomResourceDefinition crd(String established) {
    CustomResourceDefinitionBuilder crd =
        new CustomResourceDefinitionBuilder()
            .withNewMetadata()
            .withName("certificates.cert-manager.io")
            .endMetadata();
    if (established != null) {
      crd.withNewStatus()
          .addNewCondition()
          .withType("Established")
          .withStatus(established)
          .endCondition()
          .endStatus();
    }
    return crd.build();
  }
}
