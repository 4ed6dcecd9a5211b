package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A namespace of one test on the real API server, with the moves tests make in it: create or apply
 * manifests as a user or a GitOps tool would, wait for the operator, play the controllers 1.20
 * lacks.
 */
final class TestNamespace {

  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final Duration POLL = Duration.ofMillis(100);

  private final KubernetesClient kube;
  private final String name;

  private TestNamespace(KubernetesClient kube, String name) {
    this.kube = kube;
    this.name = name;
  }

  static TestNamespace create(RealApiServer api, String prefix) {
    return new TestNamespace(api.client(), api.newNamespace(prefix));
  }

  String name() {
    return name;
  }

  KubernetesClient kube() {
    return kube;
  }

  /** A manifest as a user writes it; the namespace is this one. */
  GenericKubernetesResource parse(String yaml) {
    GenericKubernetesResource resource =
        kube.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
    resource.getMetadata().setNamespace(name);
    return resource;
  }

  GenericKubernetesResource create(String yaml) {
    return kube.resource(parse(yaml)).create();
  }

  /** Server-side apply with force, the way Argo CD and Flux apply their manifests. */
  GenericKubernetesResource apply(String fieldManager, String yaml) {
    return kube.resource(parse(yaml)).fieldManager(fieldManager).forceConflicts().serverSideApply();
  }

  <R extends HasMetadata> R get(Class<R> type, String resourceName) {
    return kube.resources(type).inNamespace(name).withName(resourceName).get();
  }

  <R extends HasMetadata> R awaitPresent(Class<R> type, String resourceName) {
    AtomicReference<R> found = new AtomicReference<>();
    await(type.getSimpleName() + " " + name + "/" + resourceName + " to exist")
        .until(() -> found.updateAndGet(previous -> get(type, resourceName)) != null);
    return found.get();
  }

  /** Deletes a child and waits until the operator has created it again (a new object, new uid). */
  <R extends HasMetadata> R deleteAndAwaitReturn(Class<R> type, String resourceName) {
    String uid = awaitPresent(type, resourceName).getMetadata().getUid();
    kube.resources(type).inNamespace(name).withName(resourceName).delete();
    AtomicReference<R> back = new AtomicReference<>();
    await(type.getSimpleName() + " " + name + "/" + resourceName + " to be re-created")
        .until(
            () -> {
              R current = back.updateAndGet(previous -> get(type, resourceName));
              return current != null && !uid.equals(current.getMetadata().getUid());
            });
    return back.get();
  }

  PrivateRegistry registry(String registryName) {
    return get(PrivateRegistry.class, registryName);
  }

  /** Waits until the registry's status satisfies the condition; returns that registry. */
  PrivateRegistry awaitRegistry(
      String registryName, String description, Predicate<PrivateRegistry> condition) {
    AtomicReference<PrivateRegistry> seen = new AtomicReference<>();
    await("PrivateRegistry " + name + "/" + registryName + ": " + description)
        .until(
            () -> {
              PrivateRegistry current = seen.updateAndGet(previous -> registry(registryName));
              return current != null && current.getStatus() != null && condition.test(current);
            });
    return seen.get();
  }

  /** Status describes the current generation and Ready has this reason. */
  PrivateRegistry awaitReady(String registryName, String reason) {
    return awaitRegistry(
        registryName,
        "observedGeneration current and Ready reason " + reason,
        registry ->
            registry.getMetadata().getGeneration().equals(registry.getStatus().observedGeneration)
                && reason.equals(readyReason(registry)));
  }

  static Optional<Condition> ready(PrivateRegistry registry) {
    return registry.getStatus() == null
        ? Optional.empty()
        : Conditions.find(registry.getStatus().conditions, Conditions.READY);
  }

  static String readyReason(PrivateRegistry registry) {
    return ready(registry).map(Condition::getReason).orElse(null);
  }

  /**
   * Plays the Deployment controller, which 1.20 without controller-manager lacks: writes the
   * Deployment's status as available or not. Retries on 409 (the operator may have written the
   * Deployment in between). Returns the Deployment's resourceVersion after this write.
   */
  String setDeploymentAvailable(String deploymentName, boolean available) {
    AtomicReference<String> version = new AtomicReference<>();
    await("status of Deployment " + name + "/" + deploymentName + " to be written")
        .ignoreException(KubernetesClientException.class)
        .until(
            () -> {
              Deployment current = get(Deployment.class, deploymentName);
              String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
              int ready = available ? 1 : 0;
              current.setStatus(
                  new DeploymentStatusBuilder()
                      .withObservedGeneration(current.getMetadata().getGeneration())
                      .withReplicas(1)
                      .withUpdatedReplicas(1)
                      .withReadyReplicas(ready)
                      .withAvailableReplicas(ready)
                      .withUnavailableReplicas(1 - ready)
                      .withConditions(
                          new DeploymentConditionBuilder()
                              .withType("Available")
                              .withStatus(available ? "True" : "False")
                              .withReason(
                                  available
                                      ? "MinimumReplicasAvailable"
                                      : "MinimumReplicasUnavailable")
                              .withMessage("written by the integration test")
                              .withLastUpdateTime(now)
                              .withLastTransitionTime(now)
                              .build())
                      .build());
              version.set(kube.resource(current).updateStatus().getMetadata().getResourceVersion());
              return true;
            });
    return version.get();
  }

  /**
   * A ConfigMap the operator's informer sees and maps to the registry (our label, an owner
   * reference to it) without being one of its children: every change of it is a reconcile.
   */
  ConfigMap createReconcileTrigger(HasMetadata registry) {
    return kube.resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(registry.getMetadata().getName() + "-reconcile-trigger")
                .withNamespace(name)
                .withLabels(Map.of(Labels.MANAGED_BY, Labels.OPERATOR_NAME))
                .addNewOwnerReference()
                .withApiVersion(PrivateRegistry.GROUP + "/" + PrivateRegistry.VERSION)
                .withKind("PrivateRegistry")
                .withName(registry.getMetadata().getName())
                .withUid(registry.getMetadata().getUid())
                .endOwnerReference()
                .endMetadata()
                .build())
        .create();
  }

  /** Changes the trigger, which makes the operator reconcile its registry once more. */
  ConfigMap pullTrigger(ConfigMap trigger, int round) {
    trigger.getMetadata().setAnnotations(Map.of("it/round", Integer.toString(round)));
    return kube.resource(trigger).update();
  }

  /** resourceVersion of each object, keyed "Kind/name"; a missing object maps to "absent". */
  Map<String, String> resourceVersions(List<Child> children) {
    Map<String, String> versions = new LinkedHashMap<>();
    for (Child child : children) {
      HasMetadata current = get(child.type(), child.name());
      versions.put(
          child.toString(),
          current == null ? "absent" : current.getMetadata().getResourceVersion());
    }
    return versions;
  }

  static org.awaitility.core.ConditionFactory await(String description) {
    return org.awaitility.Awaitility.await(description).atMost(TIMEOUT).pollInterval(POLL);
  }

  /** An object of a kind, by name. */
  record Child(Class<? extends HasMetadata> type, String name) {
    @Override
    public String toString() {
      return type.getSimpleName() + "/" + name;
    }
  }

  /** The child has exactly one owner reference: a controller reference to this owner. */
  static void assertControlledBy(
      HasMetadata child, HasMetadata owner, String ownerApiVersion, String ownerKind) {
    assertThat(child.getMetadata().getOwnerReferences())
        .as(child.getKind() + " " + child.getMetadata().getName() + " ownerReferences")
        .singleElement()
        .satisfies(
            (OwnerReference reference) -> {
              assertThat(reference.getApiVersion()).isEqualTo(ownerApiVersion);
              assertThat(reference.getKind()).isEqualTo(ownerKind);
              assertThat(reference.getName()).isEqualTo(owner.getMetadata().getName());
              assertThat(reference.getUid()).isEqualTo(owner.getMetadata().getUid());
              assertThat(reference.getController()).isTrue();
              assertThat(reference.getBlockOwnerDeletion()).isTrue();
            });
  }
}
