package dev.registryoperator.kube;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The image this operator runs, read from its own pod: registry pods run their auth server from the
 * same image, so an upgrade of the operator's Deployment (or a kustomize image override) carries
 * over to them without a second setting that could drift.
 */
public final class OwnImage {

  /** Set from the downward API in deploy/operator/deployment.yaml. */
  public static final String POD_NAME_ENV = "POD_NAME";

  public static final String POD_NAMESPACE_ENV = "POD_NAMESPACE";

  /** The operator's container in deploy/operator/deployment.yaml. */
  public static final String CONTAINER = "operator";

  private static final Logger log = LoggerFactory.getLogger(OwnImage.class);

  private OwnImage() {}

  /**
   * The image of this pod's operator container, when running in a pod that can read itself.
   *
   * @throws IllegalStateException when the API server does not answer: the process must not go on
   *     with another image
   */
  public static Optional<String> discover(KubernetesClient client, Map<String, String> env) {
    String pod = env.get(POD_NAME_ENV);
    String namespace = env.get(POD_NAMESPACE_ENV);
    if (pod == null || namespace == null) {
      return Optional.empty();
    }
    try {
      Pod self = client.pods().inNamespace(namespace).withName(pod).get();
      Optional<String> image =
          Optional.ofNullable(self)
              .flatMap(
                  p ->
                      p.getSpec().getContainers().stream()
                          .filter(c -> CONTAINER.equals(c.getName()))
                          .findFirst())
              .map(Container::getImage);
      if (image.isEmpty()) {
        log.warn(
            "Pod {}/{} has no container '{}' to take the image from", namespace, pod, CONTAINER);
      }
      return image;
    } catch (KubernetesClientException e) {
      if (e.getCode() <= 0) {
        // No answer: starting with the default image would roll every registry's pod to it.
        throw new IllegalStateException(
            "Cannot read pod "
                + namespace
                + "/"
                + pod
                + " to learn the operator's image: the API server did not answer");
      }
      log.warn(
          "Cannot read pod {}/{} to learn the operator's image (HTTP {})",
          namespace,
          pod,
          e.getCode());
      return Optional.empty();
    }
  }
}
