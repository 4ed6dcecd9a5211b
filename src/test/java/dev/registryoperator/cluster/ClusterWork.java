package dev.registryoperator.cluster;

import static org.awaitility.Awaitility.await;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** What the real-cluster tests do over and over: apply, wait, read a password, push. */
final class ClusterWork {

  private ClusterWork() {}

  /** A PrivateRegistry with the defaults and a claim of 1Gi, which the test volumes hold. */
  static String registryManifest(String name) {
    return """
        apiVersion: registryoperator.dev/v1alpha1
        kind: PrivateRegistry
        metadata:
          name: %s
        spec:
          storage:
            size: 1Gi
        """
        .formatted(name);
  }

  /** A RegistryUser of the registry, with a generated password. */
  static String userManifest(String name, String registry) {
    return """
        apiVersion: registryoperator.dev/v1alpha1
        kind: RegistryUser
        metadata:
          name: %s
        spec:
          registryRef: %s
        """
        .formatted(name, registry);
  }

  /** Manifests as one multi-document YAML. */
  static String documents(String... manifests) {
    return String.join("---\n", manifests);
  }

  /**
   * A namespace of the test's own, new: one left by an earlier run on a kept cluster is deleted
   * first, and waited for, so that no object of that run is seen.
   */
  static void freshNamespace(KubernetesClient client, String namespace) {
    client.namespaces().withName(namespace).delete();
    await("namespace " + namespace + " gone")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> client.namespaces().withName(namespace).get() == null);
    client
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .create();
  }

  /**
   * Waits until the registry answers through its Service from the node (kube-proxy has its
   * endpoint), with 401 to an anonymous request.
   */
  static void awaitServing(NodeClients node, String hostAndPort) {
    await(hostAndPort + " answering through its Service")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> node.request("https://" + hostAndPort + "/v2/", null, null).status() == 401);
  }

  /**
   * Waits until the registry's pod accepts the user's credentials. The registry lists a user once
   * its htpasswd Secret does; the pod's copy follows with kubelet's Secret-volume sync (about 10 s
   * here), so a push right after the listing may still be refused.
   */
  static void awaitAccepted(NodeClients node, String hostAndPort, String credentials) {
    await("the registry's pod accepting the user's credentials")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                node.request("https://" + hostAndPort + "/v2/", credentials, null).status() == 200);
  }

  /** kubelet's own word that it pulled the image for the pod (it asks the registry each time). */
  static boolean pulledBy(KubernetesClient client, Pod pod, String image) {
    return client
        .v1()
        .events()
        .inNamespace(pod.getMetadata().getNamespace())
        .list()
        .getItems()
        .stream()
        .anyMatch(
            event ->
                pod.getMetadata().getName().equals(event.getInvolvedObject().getName())
                    && "Pulled".equals(event.getReason())
                    && event.getMessage().contains("Successfully pulled image \"" + image + "\""));
  }

  /** Server-side apply of a manifest file into a namespace, as {@code kubectl apply -n} does. */
  static void apply(KubernetesClient client, String namespace, Path manifest) {
    try (InputStream in = Files.newInputStream(manifest)) {
      apply(client, namespace, client.load(in).items());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void apply(KubernetesClient client, String namespace, String manifest) {
    apply(
        client,
        namespace,
        client.load(new ByteArrayInputStream(manifest.getBytes(StandardCharsets.UTF_8))).items());
  }

  private static void apply(KubernetesClient client, String namespace, List<HasMetadata> objects) {
    for (HasMetadata object : objects) {
      object.getMetadata().setNamespace(namespace);
      client.resource(object).fieldManager("kubectl").forceConflicts().serverSideApply();
    }
  }

  /**
   * The registry Ready for its current generation, and configured with its current CA on the
   * cluster's one node by the node agent.
   */
  static PrivateRegistry awaitReadyOnTheNode(
      KubernetesClient client, String namespace, String name) {
    return await("registry " + name + " Ready and configured on the node")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                client.resources(PrivateRegistry.class).inNamespace(namespace).withName(name).get(),
            r ->
                r != null
                    && r.getStatus() != null
                    && r.getMetadata().getGeneration().equals(r.getStatus().observedGeneration)
                    && ready(r.getStatus().conditions)
                    && r.getStatus().nodeAccess != null
                    && Integer.valueOf(1).equals(r.getStatus().nodeAccess.configuredNodes));
  }

  static boolean ready(List<Condition> conditions) {
    return conditions != null
        && conditions.stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** The password the operator generated for a user (never printed). */
  static String generatedPassword(KubernetesClient client, String namespace, String user) {
    Secret secret =
        await("the generated password of " + user)
            .atMost(Duration.ofMinutes(1))
            .until(
                () ->
                    client
                        .secrets()
                        .inNamespace(namespace)
                        .withName(Fixtures.userSecretNames(user).credentialsSecret())
                        .get(),
                Objects::nonNull);
    return SecretData.decode(secret, Keys.PASSWORD).orElseThrow();
  }

  /**
   * Pushes the cluster's busybox image to the registry with skopeo from the node, over TLS verified
   * against the registry's CA, the name resolving through the hosts entry the node agent wrote.
   */
  static void pushBusybox(
      RealCluster cluster, String image, String user, String password, String caCertificate) {
    NodeClients node = NodeClients.trusting(caCertificate);
    awaitServing(node, image.substring(0, image.indexOf('/')));
    NodeClients.assertSucceeded(
        node.copy(
            "docker-archive:" + cluster.imageArchive("busybox"),
            "docker://" + image,
            "--dest-creds",
            user + ":" + password),
        "pushing busybox to " + image);
  }

  /** The one pod of a Deployment, once its container runs. */
  static Pod runningPod(KubernetesClient client, String namespace, String app, Duration timeout) {
    return await(app + " running")
        .atMost(timeout)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> pod(client, namespace, app),
            pod ->
                pod.isPresent()
                    && pod.get().getStatus().getContainerStatuses() != null
                    && pod.get().getStatus().getContainerStatuses().stream()
                        .allMatch(s -> Boolean.TRUE.equals(s.getReady())))
        .orElseThrow();
  }

  /** Why the Deployment's pod cannot start its container, once kubelet says so. */
  static String pullFailure(
      KubernetesClient client, String namespace, String app, Duration timeout) {
    return await(app + " failing to pull")
        .atMost(timeout)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> waitingReason(client, namespace, app), Optional::isPresent)
        .orElseThrow();
  }

  static void copySecret(KubernetesClient client, String namespace, String from, String to) {
    Secret original = client.secrets().inNamespace(namespace).withName(from).get();
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(to)
                .withNamespace(namespace)
                .endMetadata()
                .withType(original.getType())
                .withData(original.getData())
                .build())
        .create();
  }

  static void awaitListedUsers(
      KubernetesClient client, String namespace, String registry, int users) {
    await("registry " + registry + " listing " + users + " users")
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                client
                    .resources(PrivateRegistry.class)
                    .inNamespace(namespace)
                    .withName(registry)
                    .get(),
            r -> r.getStatus() != null && Integer.valueOf(users).equals(r.getStatus().users));
  }

  private static Optional<Pod> pod(KubernetesClient client, String namespace, String app) {
    return client.pods().inNamespace(namespace).withLabel("app", app).list().getItems().stream()
        .filter(pod -> pod.getMetadata().getDeletionTimestamp() == null)
        .findFirst();
  }

  private static Optional<String> waitingReason(
      KubernetesClient client, String namespace, String app) {
    return pod(client, namespace, app)
        .map(pod -> pod.getStatus().getContainerStatuses())
        .flatMap(statuses -> statuses.stream().findFirst())
        .map(ContainerStatus::getState)
        .filter(state -> state.getWaiting() != null)
        .map(state -> state.getWaiting().getReason())
        .filter(reason -> reason.equals("ErrImagePull") || reason.equals("ImagePullBackOff"));
  }
}
