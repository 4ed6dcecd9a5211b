package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * A NetworkPolicy that admits only the proxy's TLS port to the registry's pods, and the metrics
 * port only to the scrapers named here. Present means wanted, like spec.ingress; {@code enabled:
 * false} switches it off and keeps the peers.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NetworkPolicySpec {

  /** The most peers per list: more would be a long CIDR list, better written as fewer ranges. */
  public static final int MAX_PEERS = 32;

  @JsonPropertyDescription(
      "Whether the operator keeps the NetworkPolicy. false (or no spec.networkPolicy) removes a"
          + " NetworkPolicy it made and keeps the peers below for later.")
  @Default("true")
  public boolean enabled = true;

  @JsonPropertyDescription(
      "Who may connect to the proxy's TLS port (spec.proxy.port). Omit to admit every source:"
          + " pods, nodes (kubelet pulls images through the Service from the node's address),"
          + " Ingress controllers and load balancers. A list must admit all of those that use the"
          + " registry, nodes usually by an ipBlock of their addresses.")
  @Size(min = 1, max = MAX_PEERS)
  public List<PeerSpec> from;

  @JsonPropertyDescription(
      "Who may scrape the registry's metrics port (9091, behind the metrics Service), such as"
          + " the Prometheus pods. Omit to admit nobody there: only the proxy port is open.")
  @Size(min = 1, max = MAX_PEERS)
  public List<PeerSpec> metricsFrom;
}
