package dev.registryoperator.api.prometheus;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;

/**
 * The Prometheus Operator's ServiceMonitor, only the fields the operator writes. Not one of our
 * resources: no CRD is generated for it, and it is created only where the Prometheus Operator's CRD
 * exists.
 */
@Group("monitoring.coreos.com")
@Version("v1")
@Kind("ServiceMonitor")
@Plural("servicemonitors")
public class ServiceMonitor extends CustomResource<ServiceMonitor.Spec, Void>
    implements Namespaced {

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec {
    public LabelSelector selector;
    public List<Endpoint> endpoints;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Endpoint {
    public String port;
    public String path;
    public String interval;
  }
}
