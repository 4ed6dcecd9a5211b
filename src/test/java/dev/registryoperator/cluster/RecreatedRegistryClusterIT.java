package dev.registryoperator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.e2e.OciImages;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Deleting a PrivateRegistry (without deleteClaim) and creating it again under the same name: the
 * garbage collector removes what it owned - Deployment, pod, Services, the serving certificate, the
 * htpasswd and http secrets, its ConfigMaps - and keeps the claim and the CA. The new registry then
 * serves the image pushed before the delete, bit for bit, to the same user with the same password,
 * over TLS verified against the CA saved before the delete.
 */
@ExtendWith(RealCluster.Extension.class)
class RecreatedRegistryClusterIT {

  private static final String NAMESPACE = "recreated-registry";

  @RegisterExtension static final ClusterNamespace OWN_NAMESPACE = new ClusterNamespace(NAMESPACE);
  private static final String REGISTRY = "phoenix";
  private static final String HOST = REGISTRY + "." + NAMESPACE + ".svc:15000";
  private static final RegistryNames NAMES = RegistryNames.of(REGISTRY);
  private static final String MANIFEST = ClusterWork.registryManifest(REGISTRY);

  private static KubernetesClient client;

  @BeforeAll
  static void aRegistryWithAUser(RealCluster cluster) {
    client = cluster.client();
    ClusterWork.apply(
        client,
        NAMESPACE,
        ClusterWork.documents(MANIFEST, ClusterWork.userManifest("alice", REGISTRY)));
  }

  @Test
  void aRecreatedRegistryServesTheSameImagesToTheSameUsersWithTheSameCa() {
    PrivateRegistry first = ClusterWork.awaitReadyOnTheNode(client, NAMESPACE, REGISTRY);
    String ca = first.getStatus().nodeAccess.caCertificate;
    String alice = "alice:" + ClusterWork.generatedPassword(client, NAMESPACE, "alice");
    ClusterWork.awaitListedUsers(client, NAMESPACE, REGISTRY, 1);
    NodeClients before = NodeClients.trusting(ca);
    ClusterWork.awaitServing(before, HOST);
    ClusterWork.awaitAccepted(before, HOST, alice);
    OciImages.OciImage image =
        OciImages.withRandomLayer(before.work().resolve("payload"), "v1", 8L << 20);
    NodeClients.assertSucceeded(
        before.copy(
            image.reference(), "docker://" + HOST + "/team/payload:v1", "--dest-creds", alice),
        "pushing before the delete");
    String claimUid = uid(PersistentVolumeClaim.class, NAMES.claim());
    String caUid = uid(Secret.class, NAMES.caSecret());
    Map<String, String> caData = secret(NAMES.caSecret()).getData();

    long deleted = System.nanoTime();
    client.resource(first).delete();
    List<Owned> owned =
        List.of(
            new Owned(Deployment.class, NAMES.deployment()),
            new Owned(Service.class, NAMES.service()),
            new Owned(Service.class, NAMES.metricsService()),
            new Owned(Secret.class, NAMES.tlsSecret()),
            new Owned(Secret.class, NAMES.htpasswdSecret()),
            new Owned(Secret.class, NAMES.httpSecret()),
            new Owned(ConfigMap.class, NAMES.configMap()),
            new Owned(ConfigMap.class, NAMES.caBundleConfigMap()));
    await("the garbage collector to remove what the registry owned, and its pod to go")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                owned.stream().allMatch(o -> o.get() == null)
                    && client
                        .pods()
                        .inNamespace(NAMESPACE)
                        .withLabel("registryoperator.dev/registry", REGISTRY)
                        .list()
                        .getItems()
                        .isEmpty());
    System.out.printf(
        "RecreatedRegistryClusterIT: the registry's children and pod were gone %.1f s after the"
            + " delete%n",
        (System.nanoTime() - deleted) / 1e9);
    assertThat(uid(PersistentVolumeClaim.class, NAMES.claim()))
        .as("the claim after its registry (without deleteClaim) was deleted")
        .isEqualTo(claimUid);
    assertThat(uid(Secret.class, NAMES.caSecret()))
        .as("the CA Secret after its registry (without deleteClaim) was deleted")
        .isEqualTo(caUid);

    long recreated = System.nanoTime();
    ClusterWork.apply(client, NAMESPACE, MANIFEST);
    PrivateRegistry second = ClusterWork.awaitReadyOnTheNode(client, NAMESPACE, REGISTRY);
    // The CA saved before the delete, not the one the new registry publishes.
    NodeClients after = NodeClients.trusting(ca);
    ClusterWork.awaitServing(after, HOST);
    ClusterWork.awaitAccepted(after, HOST, alice);
    System.out.printf(
        "RecreatedRegistryClusterIT: the re-created registry served again %.1f s after it was"
            + " applied%n",
        (System.nanoTime() - recreated) / 1e9);

    assertThat(second.getMetadata().getUid())
        .as("the re-created registry is a new object")
        .isNotEqualTo(first.getMetadata().getUid());
    assertThat(second.getStatus().nodeAccess.caCertificate)
        .as("the CA the re-created registry publishes")
        .isEqualTo(ca);
    assertThat(uid(Secret.class, NAMES.caSecret())).as("the CA Secret's uid").isEqualTo(caUid);
    assertThat(secret(NAMES.caSecret()).getData())
        .as("the CA Secret's key and certificate")
        .isEqualTo(caData);
    assertThat(uid(PersistentVolumeClaim.class, NAMES.claim()))
        .as("the claim's uid")
        .isEqualTo(claimUid);
    assertThat(SecretData.decode(secret(NAMES.tlsSecret()), Keys.CA_CERT))
        .as("the CA of the new serving certificate")
        .contains(ca);

    Path pulled = after.work().resolve("pulled");
    NodeClients.assertSucceeded(
        after.copy(
            "docker://" + HOST + "/team/payload:v1", "oci:" + pulled + ":v1", "--src-creds", alice),
        "pulling after the re-creation, as alice, trusting the CA saved before the delete");
    assertThat(OciImages.digest(OciImages.blob(pulled, image.layerDigest())))
        .as("the pulled layer's digest")
        .isEqualTo(image.layerDigest());
    assertThat(OciImages.digest(OciImages.blob(pulled, image.configDigest())))
        .as("the pulled config's digest")
        .isEqualTo(image.configDigest());
  }

  private static String uid(Class<? extends HasMetadata> type, String name) {
    HasMetadata object = client.resources(type).inNamespace(NAMESPACE).withName(name).get();
    return object == null ? null : object.getMetadata().getUid();
  }

  private static Secret secret(String name) {
    return client.secrets().inNamespace(NAMESPACE).withName(name).get();
  }

  /** A child the registry owns, which the garbage collector must remove with it. */
  private record Owned(Class<? extends HasMetadata> type, String name) {
    HasMetadata get() {
      return client.resources(type).inNamespace(NAMESPACE).withName(name).get();
    }
  }
}
