package dev.registryoperator.nodeagent;

import dev.registryoperator.kube.Hashes;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.Labels;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What one node's agent has configured: a ConfigMap in the agent's namespace, one line per registry
 * with the fingerprint of the CA it trusts; pure. The operator counts these per registry into
 * {@code status.nodeAccess}.
 *
 * <p>It is owned by the agent's pod, so a node that leaves (and its pod with it) stops being
 * counted without anyone cleaning up.
 */
public final class NodeReport {

  /** The reports are managed by the agent, so the operator's informers on its own skip them. */
  public static final String SELECTOR =
      Labels.MANAGED_BY
          + "="
          + Labels.NODE_AGENT_NAME
          + ","
          + Labels.COMPONENT
          + "="
          + Components.NODE_REPORT;

  private static final String PREFIX = "registry-node-agent-";
  private static final int MAX_NAME = 253;

  private NodeReport() {}

  /** The report's name: node names may be as long as a ConfigMap name, so long ones are hashed. */
  public static String name(String node) {
    String name = PREFIX + node;
    return name.length() <= MAX_NAME ? name : PREFIX + Hashes.shortSha256(node);
  }

  static ConfigMap render(NodeIdentity agent, Collection<NodeTrust> trusts) {
    String registries =
        trusts.stream()
            .sorted(Comparator.comparing(NodeTrust::registry))
            .map(trust -> trust.registry() + " " + trust.fingerprint() + "\n")
            .collect(Collectors.joining());
    Map<String, String> labels = new TreeMap<>();
    labels.put(Labels.NAME, Labels.NODE_AGENT_NAME);
    labels.put(Labels.COMPONENT, Components.NODE_REPORT);
    labels.put(Labels.MANAGED_BY, Labels.NODE_AGENT_NAME);
    Map<String, String> data = new TreeMap<>();
    data.put(Keys.NODE_REPORT_NODE, agent.node());
    data.put(Keys.NODE_REPORT_REGISTRIES, registries);
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name(agent.node()))
        .withNamespace(agent.namespace())
        .withLabels(labels)
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion("v1")
                .withKind("Pod")
                .withName(agent.podName())
                .withUid(agent.podUid())
                .build())
        .endMetadata()
        .withData(data)
        .build();
  }

  /** Registry ("namespace/name") to the fingerprint of the CA the node trusts for it. */
  public static Map<String, String> configured(ConfigMap report) {
    Map<String, String> configured = new LinkedHashMap<>();
    String registries =
        report.getData() == null ? null : report.getData().get(Keys.NODE_REPORT_REGISTRIES);
    if (registries == null) {
      return configured;
    }
    for (String line : registries.split("\n")) {
      String[] fields = line.trim().split(" ");
      if (fields.length == 2) {
        configured.put(fields[0], fields[1]);
      }
    }
    return configured;
  }
}
