package dev.registryoperator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.registryoperator.api.v1alpha1.GarbageCollectionRun;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.e2e.HostCommand;
import dev.registryoperator.e2e.OciImages;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Garbage collection on the real cluster: two tags share a layer, one is deleted by digest, and a
 * requested run removes exactly the blobs only it used - seen in the claim's files on the node -
 * while everything still referenced pulls back bit for bit. During the window the registry serves
 * pulls and refuses a push with its read-only error; after it, the push succeeds. A second run is
 * timed undisturbed: how long the registry was read-only, and how long clients got no answer while
 * the pod rolled twice, with deleteUntagged on: an image whose tag moved to another is removed.
 */
@ExtendWith(RealCluster.Extension.class)
class GarbageCollectionClusterIT {

  private static final String NAMESPACE = "garbage-collection";

  @RegisterExtension static final ClusterNamespace OWN_NAMESPACE = new ClusterNamespace(NAMESPACE);
  private static final String REGISTRY = "tidy";
  private static final String HOST = REGISTRY + "." + NAMESPACE + ".svc:15000";
  private static final RegistryNames NAMES = RegistryNames.of(REGISTRY);
  private static final String HOLD = "hold-the-collector";

  private static KubernetesClient client;

  @BeforeAll
  static void aRegistryWithAUser(RealCluster cluster) {
    client = cluster.client();
    ClusterWork.apply(
        client,
        NAMESPACE,
        ClusterWork.documents(
            ClusterWork.registryManifest(REGISTRY), ClusterWork.userManifest("alice", REGISTRY)));
  }

  @Test
  void aRunRemovesWhatOnlyADeletedManifestUsedAndKeepsEverythingElse() throws Exception {
    PrivateRegistry registry = ClusterWork.awaitReadyOnTheNode(client, NAMESPACE, REGISTRY);
    String alice = "alice:" + ClusterWork.generatedPassword(client, NAMESPACE, "alice");
    ClusterWork.awaitListedUsers(client, NAMESPACE, REGISTRY, 1);
    NodeClients node = NodeClients.trusting(registry.getStatus().nodeAccess.caCertificate);
    ClusterWork.awaitServing(node, HOST);
    ClusterWork.awaitAccepted(node, HOST, alice);

    // v1: one layer (shared). v2: the shared layer and one of its own, with its own config.
    OciImages.OciImage kept =
        OciImages.withRandomLayer(node.work().resolve("kept"), "v1", 3L << 20);
    OciImages.OciImage other =
        OciImages.withRandomLayer(node.work().resolve("other"), "any", 5L << 20);
    TwoLayers dropped = twoLayerImage(node.work().resolve("dropped"), "v2", kept, other);
    push(node, kept.reference(), "team/app:v1", alice);
    push(node, dropped.reference(), "team/app:v2", alice);
    push(node, kept.reference(), "team/copy:v1", alice);

    Path storage = storageOnTheNode();
    Path shared = OciImages.blobInRegistryStorage(storage, kept.layerDigest());
    Path keptConfig = OciImages.blobInRegistryStorage(storage, kept.configDigest());
    Path keptManifest = OciImages.blobInRegistryStorage(storage, kept.manifestDigest());
    List<Path> onlyDropped =
        List.of(
            OciImages.blobInRegistryStorage(storage, other.layerDigest()),
            OciImages.blobInRegistryStorage(storage, dropped.configDigest()),
            OciImages.blobInRegistryStorage(storage, dropped.manifestDigest()));
    assertThat(List.of(shared, keptConfig, keptManifest)).allSatisfy(p -> assertThat(p).exists());
    assertThat(onlyDropped).allSatisfy(p -> assertThat(p).as("pushed blob").exists());

    assertThat(
            node.delete(
                "https://" + HOST + "/v2/team/app/manifests/" + dropped.manifestDigest(), alice))
        .as("DELETE of v2's manifest by digest")
        .isEqualTo(202);
    assertThat(onlyDropped)
        .as("a deleted manifest's blobs stay until a garbage collection")
        .allSatisfy(p -> assertThat(p).exists());

    // Hold the collector's pod back (one pod in the namespace: the registry's) so that the test
    // can push and pull while the registry is read-only.
    holdTheCollector();
    Instant requested = Instant.now();
    request("first");
    PrivateRegistry collecting = awaitStage(GarbageCollectionRun.COLLECTING, Duration.ofMinutes(3));
    double toReadOnly = seconds(requested, Instant.now());
    assertThat(collecting.getStatus().garbageCollection.current.trigger)
        .isEqualTo(GarbageCollectionRun.REQUESTED);
    assertThat(
            collecting.getStatus().conditions.stream()
                .filter(c -> "Ready".equals(c.getType()))
                .findFirst()
                .orElseThrow()
                .getMessage())
        .as("Ready's message during the window")
        .contains("read-only while garbage collection runs");
    assertThat(
            client
                .batch()
                .v1()
                .jobs()
                .inNamespace(NAMESPACE)
                .withName(NAMES.garbageCollectionJob())
                .get())
        .as("the collector's Job")
        .isNotNull();

    // Available is not yet reachable: kube-proxy follows the new pod's endpoint a moment later.
    ClusterWork.awaitServing(node, HOST);
    OciImages.OciImage late =
        OciImages.withRandomLayer(node.work().resolve("late"), "v1", 1L << 20);
    HostCommand.Result refused =
        node.copy(late.reference(), "docker://" + HOST + "/team/late:v1", "--dest-creds", alice);
    assertThat(refused.succeeded()).as("a push while the registry is read-only").isFalse();
    assertThat(refused.stderr().toLowerCase())
        .as("skopeo's words for the refused push")
        .containsAnyOf("unsupported", "405", "method not allowed");
    pullAndCompare(node, "team/app:v1", kept, alice, "pulled-during-window");

    releaseTheCollector();
    PrivateRegistry done = awaitIdle(Duration.ofMinutes(4));
    ClusterWork.awaitServing(node, HOST);
    GarbageCollectionRun first = done.getStatus().garbageCollection.last;
    System.out.printf(
        "GarbageCollectionClusterIT: first run (collector held back by a quota): read-only and"
            + " available %.1f s after the request; %s%n",
        toReadOnly, describe(first));
    assertThat(first.outcome)
        .as("outcome; message: " + first.message)
        .isEqualTo(GarbageCollectionRun.SUCCEEDED);
    assertThat(first.blobsRemoved).as("blobs removed").isEqualTo(3L);
    assertThat(first.bytesBefore - first.bytesAfter)
        .as("bytes freed (du): at least v2's own 5 MiB layer")
        .isGreaterThanOrEqualTo(5L << 20);

    assertThat(onlyDropped)
        .as("blobs only the deleted manifest used")
        .allSatisfy(p -> assertThat(p).doesNotExist());
    assertThat(List.of(shared, keptConfig, keptManifest))
        .as("blobs v1 still uses")
        .allSatisfy(p -> assertThat(p).exists());
    pullAndCompare(node, "team/app:v1", kept, alice, "pulled-after");
    pullAndCompare(node, "team/copy:v1", kept, alice, "copy-pulled-after");
    HostCommand.Result gone =
        node.copy(
            "docker://" + HOST + "/team/app:v2",
            "oci:" + node.work().resolve("gone") + ":v2",
            "--src-creds",
            alice);
    assertThat(gone.succeeded()).as("pulling the deleted tag").isFalse();
    push(node, late.reference(), "team/late:v1", alice);

    List<Event> events = events("GarbageCollected");
    assertThat(events).as("GarbageCollected Events").singleElement();
    assertThat(events.get(0).getType()).isEqualTo("Normal");
    assertThat(events.get(0).getMessage()).contains("Removed 3 blobs").contains("read-only for");
    assertThat(
            client
                .batch()
                .v1()
                .jobs()
                .inNamespace(NAMESPACE)
                .withName(NAMES.garbageCollectionJob())
                .get())
        .as("the Job after the run")
        .isNull();

    // deleteUntagged: team/copy:v2 names one image, then another; the first is untagged now, and
    // the second run, with deleteUntagged on, removes it and what only it used.
    OciImages.OciImage untagged =
        OciImages.withRandomLayer(node.work().resolve("untagged"), "v2", 2L << 20);
    OciImages.OciImage retagged =
        OciImages.withRandomLayer(node.work().resolve("retagged"), "v2", 1L << 20);
    push(node, untagged.reference(), "team/copy:v2", alice);
    push(node, retagged.reference(), "team/copy:v2", alice);
    List<Path> onlyUntagged =
        List.of(
            OciImages.blobInRegistryStorage(storage, untagged.layerDigest()),
            OciImages.blobInRegistryStorage(storage, untagged.configDigest()),
            OciImages.blobInRegistryStorage(storage, untagged.manifestDigest()));
    assertThat(onlyUntagged)
        .as("an untagged image stays until a collection that deletes untagged manifests")
        .allSatisfy(p -> assertThat(p).exists());
    deleteUntagged();

    // A second run, undisturbed and timed: a client asks /v2/ every 200 ms meanwhile, and the
    // timeline notes each change of the answer and of the run's stage.
    Instant second = Instant.now();
    request("second");
    List<String> timeline = new ArrayList<>();
    int answers = 0;
    int unanswered = 0;
    Instant lastOk = second;
    double longestGap = 0;
    String previousAnswer = null;
    String previousStage = null;
    PrivateRegistry after = null;
    Instant deadline = second.plus(Duration.ofMinutes(4));
    while (Instant.now().isBefore(deadline)) {
      int status = node.request("https://" + HOST + "/v2/", alice, null).status();
      Instant now = Instant.now();
      answers++;
      if (status == 200) {
        longestGap = Math.max(longestGap, seconds(lastOk, now));
        lastOk = now;
      } else {
        unanswered++;
      }
      String answer = status < 0 ? "curl exit " + -status : "HTTP " + status;
      if (!answer.equals(previousAnswer)) {
        timeline.add(String.format("+%.1f s /v2/ %s", seconds(second, now), answer));
        previousAnswer = answer;
      }
      after = registry();
      var collection = after.getStatus().garbageCollection;
      String stage =
          collection == null || collection.current == null ? "idle" : collection.current.stage;
      if (!stage.equals(previousStage)) {
        timeline.add(String.format("+%.1f s stage %s", seconds(second, now), stage));
        previousStage = stage;
      }
      if ("idle".equals(stage) && !first.started.equals(collection.last.started) && status == 200) {
        break;
      }
      Thread.sleep(200);
    }
    assertThat(after).isNotNull();
    GarbageCollectionRun timed = after.getStatus().garbageCollection.last;
    assertThat(timed.started).as("a second run finished").isNotEqualTo(first.started);
    assertThat(timed.outcome)
        .as("message: " + timed.message)
        .isEqualTo(GarbageCollectionRun.SUCCEEDED);
    System.out.printf(
        "GarbageCollectionClusterIT: second run: request to read-write again %.1f s; %s;"
            + " %d requests to /v2/, %d not answered 200, longest time without a 200 %.1f s;"
            + " timeline: %s%n",
        seconds(second, Instant.parse(timed.finished)),
        describe(timed),
        answers,
        unanswered,
        longestGap,
        String.join(", ", timeline));
    assertThat(registryConfig()).doesNotContain("readonly");

    assertThat(timed.manifestsRemoved).as("untagged manifests removed").isGreaterThanOrEqualTo(1L);
    assertThat(onlyUntagged)
        .as("the untagged image's blobs after a run with deleteUntagged")
        .allSatisfy(p -> assertThat(p).doesNotExist());
    pullAndCompare(node, "team/copy:v2", retagged, alice, "retagged-pulled-after");
    pullAndCompare(node, "team/app:v1", kept, alice, "pulled-after-untagged");
  }

  // ---------------------------------------------------------------------------------------------

  private static String describe(GarbageCollectionRun run) {
    return "window "
        + seconds(Instant.parse(run.started), Instant.parse(run.finished))
        + " s (status), bytes "
        + run.bytesBefore
        + " -> "
        + run.bytesAfter
        + ", blobs removed "
        + run.blobsRemoved
        + ", manifests removed "
        + run.manifestsRemoved
        + ", message: "
        + run.message;
  }

  private static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toMillis() / 1000.0;
  }

  private static void push(NodeClients node, String source, String repository, String creds) {
    NodeClients.assertSucceeded(
        node.copy(source, "docker://" + HOST + "/" + repository, "--dest-creds", creds),
        "pushing " + repository);
  }

  private static void pullAndCompare(
      NodeClients node, String repository, OciImages.OciImage expected, String creds, String dir) {
    Path pulled = node.work().resolve(dir);
    NodeClients.assertSucceeded(
        node.copy(
            "docker://" + HOST + "/" + repository, "oci:" + pulled + ":x", "--src-creds", creds),
        "pulling " + repository);
    assertThat(OciImages.digest(OciImages.blob(pulled, expected.layerDigest())))
        .as(repository + ": the pulled layer's digest")
        .isEqualTo(expected.layerDigest());
    assertThat(OciImages.digest(OciImages.blob(pulled, expected.configDigest())))
        .as(repository + ": the pulled config's digest")
        .isEqualTo(expected.configDigest());
  }

  /** Where the registry's claim lives on the node: the hostPath of its bound volume. */
  private static Path storageOnTheNode() {
    PersistentVolumeClaim claim =
        client.persistentVolumeClaims().inNamespace(NAMESPACE).withName(NAMES.claim()).get();
    PersistentVolume volume =
        client.persistentVolumes().withName(claim.getSpec().getVolumeName()).get();
    return Path.of(volume.getSpec().getHostPath().getPath());
  }

  private static void holdTheCollector() {
    client
        .resource(
            new ResourceQuotaBuilder()
                .withNewMetadata()
                .withName(HOLD)
                .withNamespace(NAMESPACE)
                .endMetadata()
                .withNewSpec()
                .withHard(Map.of("pods", new Quantity("1")))
                .endSpec()
                .build())
        .create();
  }

  private static void releaseTheCollector() {
    client.resourceQuotas().inNamespace(NAMESPACE).withName(HOLD).delete();
  }

  private static void request(String value) {
    mergePatch(
        "{\"metadata\":{\"annotations\":{\""
            + Keys.COLLECT_GARBAGE_ANNOTATION
            + "\":\""
            + value
            + "\"}}}");
  }

  private static void deleteUntagged() {
    mergePatch("{\"spec\":{\"maintenance\":{\"garbageCollection\":{\"deleteUntagged\":true}}}}");
  }

  /** As kubectl patch --type merge sends it: no resourceVersion, so no race with status writes. */
  private static void mergePatch(String patch) {
    client
        .resources(PrivateRegistry.class)
        .inNamespace(NAMESPACE)
        .withName(REGISTRY)
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  private static PrivateRegistry registry() {
    return client.resources(PrivateRegistry.class).inNamespace(NAMESPACE).withName(REGISTRY).get();
  }

  private static PrivateRegistry awaitStage(String stage, Duration timeout) {
    return await("garbage collection stage " + stage)
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(250))
        .until(
            GarbageCollectionClusterIT::registry,
            r ->
                r.getStatus().garbageCollection != null
                    && r.getStatus().garbageCollection.current != null
                    && stage.equals(r.getStatus().garbageCollection.current.stage));
  }

  private static PrivateRegistry awaitIdle(Duration timeout) {
    return await("garbage collection over, registry Ready")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(250))
        .until(
            GarbageCollectionClusterIT::registry,
            r ->
                r.getStatus().garbageCollection != null
                    && r.getStatus().garbageCollection.current == null
                    && r.getStatus().garbageCollection.last != null
                    && ClusterWork.ready(r.getStatus().conditions));
  }

  private static String registryConfig() {
    return client
        .configMaps()
        .inNamespace(NAMESPACE)
        .withName(NAMES.configMap())
        .get()
        .getData()
        .get(Keys.REGISTRY_CONFIG);
  }

  private static List<Event> events(String reason) {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .toList();
  }

  /** An image in an OCI layout whose manifest lists {@code shared}'s layer and {@code own}'s. */
  record TwoLayers(Path layout, String tag, String manifestDigest, String configDigest) {
    String reference() {
      return "oci:" + layout + ":" + tag;
    }
  }

  private static TwoLayers twoLayerImage(
      Path layout, String tag, OciImages.OciImage shared, OciImages.OciImage own)
      throws IOException {
    Files.createDirectories(layout.resolve("blobs/sha256"));
    for (OciImages.OciImage from : List.of(shared, own)) {
      Files.copy(
          from.blob(from.layerDigest()),
          OciImages.blob(layout, from.layerDigest()),
          StandardCopyOption.REPLACE_EXISTING);
    }
    String config =
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
            + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
            + shared.diffId()
            + "\",\""
            + own.diffId()
            + "\"]}}";
    String configDigest = writeBlob(layout, config);
    String manifest =
        "{\"schemaVersion\":2,\"mediaType\":\""
            + OciImages.MANIFEST_MEDIA_TYPE
            + "\",\"config\":{\"mediaType\":\""
            + OciImages.CONFIG_MEDIA_TYPE
            + "\",\"digest\":\""
            + configDigest
            + "\",\"size\":"
            + config.getBytes(StandardCharsets.UTF_8).length
            + "},\"layers\":["
            + layer(shared)
            + ","
            + layer(own)
            + "]}";
    String manifestDigest = writeBlob(layout, manifest);
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(
        layout.resolve("index.json"),
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
            + OciImages.MANIFEST_MEDIA_TYPE
            + "\",\"digest\":\""
            + manifestDigest
            + "\",\"size\":"
            + manifest.getBytes(StandardCharsets.UTF_8).length
            + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\""
            + tag
            + "\"}}]}");
    return new TwoLayers(layout, tag, manifestDigest, configDigest);
  }

  private static String layer(OciImages.OciImage image) {
    return "{\"mediaType\":\""
        + OciImages.LAYER_MEDIA_TYPE
        + "\",\"digest\":\""
        + image.layerDigest()
        + "\",\"size\":"
        + image.layerSize()
        + "}";
  }

  private static String writeBlob(Path layout, String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    try {
      String digest =
          "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      Files.write(OciImages.blob(layout, digest), bytes);
      return digest;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
