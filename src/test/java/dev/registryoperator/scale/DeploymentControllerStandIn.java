package dev.registryoperator.scale;

import dev.registryoperator.naming.Labels;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plays the Deployment controller, which an API server without controller-manager lacks: every
 * registry Deployment is reported available for its current generation as soon as it is seen (the
 * status the real controller writes once the pod is ready, minus the pod's start-up). Runs in the
 * benchmark's JVM with the benchmark's client, so its requests are not the operator's.
 */
final class DeploymentControllerStandIn implements AutoCloseable {

  private final KubernetesClient kube;
  private final ExecutorService writers;
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final AtomicLong writes = new AtomicLong();
  private final SharedIndexInformer<Deployment> informer;

  private DeploymentControllerStandIn(KubernetesClient kube, int threads) {
    this.kube = kube;
    this.writers = Executors.newFixedThreadPool(threads);
    this.informer =
        kube.apps()
            .deployments()
            .inAnyNamespace()
            .withLabel(Labels.MANAGED_BY, Labels.OPERATOR_NAME)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Deployment deployment) {
                    markAvailableIfNeeded(deployment);
                  }

                  @Override
                  public void onUpdate(Deployment before, Deployment deployment) {
                    markAvailableIfNeeded(deployment);
                  }

                  @Override
                  public void onDelete(Deployment deployment, boolean unknownFinalState) {}
                });
  }

  static DeploymentControllerStandIn start(KubernetesClient kube) {
    return new DeploymentControllerStandIn(kube, 4);
  }

  /** Status writes so far. */
  long writes() {
    return writes.get();
  }

  private void markAvailableIfNeeded(Deployment deployment) {
    if (availableForCurrentGeneration(deployment)) {
      return;
    }
    String key = deployment.getMetadata().getNamespace() + "/" + deployment.getMetadata().getName();
    if (pending.add(key)) {
      writers.submit(() -> markAvailable(deployment, key));
    }
  }

  private void markAvailable(Deployment deployment, String key) {
    pending.remove(key);
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    long generation = deployment.getMetadata().getGeneration();
    // A merge patch of the status subresource: no resourceVersion, so no 409 when the operator
    // wrote the Deployment in between (a newer generation is seen again and marked again).
    String status =
        "{\"status\":{\"observedGeneration\":"
            + generation
            + ",\"replicas\":1,\"updatedReplicas\":1,\"readyReplicas\":1,\"availableReplicas\":1,"
            + "\"conditions\":[{\"type\":\"Available\",\"status\":\"True\","
            + "\"reason\":\"MinimumReplicasAvailable\",\"message\":\"written by the benchmark's"
            + " stand-in for the Deployment controller\",\"lastUpdateTime\":\""
            + now
            + "\",\"lastTransitionTime\":\""
            + now
            + "\"}]}}";
    try {
      kube.apps()
          .deployments()
          .inNamespace(deployment.getMetadata().getNamespace())
          .withName(deployment.getMetadata().getName())
          .subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), status);
      writes.incrementAndGet();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        System.out.printf(
            "[scale] stand-in could not mark %s available: %s%n", key, e.getMessage());
      }
    }
  }

  static boolean availableForCurrentGeneration(Deployment deployment) {
    var status = deployment.getStatus();
    return status != null
        && Objects.equals(status.getObservedGeneration(), deployment.getMetadata().getGeneration())
        && status.getConditions() != null
        && status.getConditions().stream().anyMatch(DeploymentControllerStandIn::available);
  }

  private static boolean available(DeploymentCondition condition) {
    return "Available".equals(condition.getType()) && "True".equals(condition.getStatus());
  }

  @Override
  public void close() {
    informer.close();
    writers.shutdown();
    try {
      writers.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
