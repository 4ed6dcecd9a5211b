package dev.registryoperator.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Activation condition: the CRD of the dependent's kind is installed in the cluster. Asked with a
 * GET at most once a minute per API server and CRD. Unlike JOSDK's CRDPresentActivationCondition it
 * never stops asking, so a Prometheus Operator installed a day after the registry is still noticed.
 */
public class CrdInstalled<R extends HasMetadata, P extends HasMetadata> implements Condition<R, P> {

  private static final Duration RECHECK = Duration.ofMinutes(1);

  private record Answer(boolean installed, long askedAtNanos) {}

  private static final Map<String, Answer> ANSWERS = new ConcurrentHashMap<>();

  @Override
  public boolean isMet(DependentResource<R, P> dependent, P primary, Context<P> context) {
    return installed(
        context.getClient(), HasMetadata.getFullResourceName(dependent.resourceType()));
  }

  /**
   * Whether the CRD of this name ({@code plural.group}) is installed, from the answer shared with
   * the activation conditions: asked at most once a minute.
   */
  public static boolean installed(KubernetesClient client, String crd) {
    String key = client.getMasterUrl() + " " + crd;
    long now = System.nanoTime();
    return ANSWERS
        .compute(
            key,
            (k, last) ->
                last != null && now - last.askedAtNanos() < RECHECK.toNanos()
                    ? last
                    : new Answer(
                        client.resources(CustomResourceDefinition.class).withName(crd).get()
                            != null,
                        now))
        .installed();
  }
}
