package dev.registryoperator.nodeagent;

import dev.registryoperator.naming.Labels;

/**
 * The operator's {@code --node-agent} settings: where the DaemonSet runs and which host paths it
 * may touch. Only these paths are mounted into the agent's pods.
 *
 * @param enabled whether the operator runs the agent; without, it removes one an earlier run left
 *     in {@code namespace}
 * @param namespace the DaemonSet's and the nodes' reports': a namespace of its own, since the
 *     agent's pods need host paths, which the operator's restricted namespace refuses
 * @param image the operator's own image (the agent is the same jar)
 * @param containerdCertsDir containerd's registry {@code config_path} on the nodes
 * @param dockerCertsDir Docker's certs.d on the nodes, or null where nodes run no Docker
 * @param hostsFile the nodes' hosts file
 */
public record NodeAgentSettings(
    boolean enabled,
    String namespace,
    String image,
    String containerdCertsDir,
    String dockerCertsDir,
    String hostsFile) {

  public static final String DEFAULT_NAMESPACE = Labels.NODE_AGENT_NAME;
  public static final String DEFAULT_CONTAINERD_CERTS_DIR = "/etc/containerd/certs.d";
  public static final String DEFAULT_HOSTS_FILE = "/etc/hosts";
}
