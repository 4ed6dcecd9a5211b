package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/**
 * What the cluster's nodes need to pull from the registry, and how many have it. Present only when
 * the operator runs its node agent (--node-agent). The agent on each node reads this (and nothing
 * else: no Secret), so everything here is public.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeAccessStatus {

  @JsonPropertyDescription(
      "Names the nodes resolve to clusterIP and trust the CA for, each with the port.")
  public List<String> hosts = new ArrayList<>();

  @JsonPropertyDescription("The Service port the names are served on.")
  public Integer port;

  @JsonPropertyDescription("The Service's cluster IP, which the names resolve to on the nodes.")
  public String clusterIP;

  @JsonPropertyDescription("The CA certificate (PEM) the nodes' container runtimes trust.")
  public String caCertificate;

  @JsonPropertyDescription(
      "Nodes whose agent has configured this registry with the current CA certificate.")
  public Integer configuredNodes;

  @JsonPropertyDescription("Nodes running the node agent.")
  public Integer nodes;
}
