package dev.registryoperator.nodeagent;

import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Labels;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The node agent's DaemonSet; pure, byte-identical for the same settings.
 *
 * <p>Least privilege: the pod runs as root only because the files it edits on the node belong to
 * root, and with every capability dropped that is all root can do here: write files owned by root
 * in the directories mounted from the host. It mounts containerd's certs.d (at the same path, since
 * hosts.toml names its CA by the node's path), Docker's certs.d when configured, and the hosts
 * file; nothing else of the node. It runs on every node, tainted ones included: a node that cannot
 * pull from a registry is what this exists to prevent.
 */
public final class NodeAgentDaemonSet {

  public static final String NAME = Labels.NODE_AGENT_NAME;

  /** Created by deploy/node-agent/ with its RBAC: reading PrivateRegistries, writing its report. */
  public static final String SERVICE_ACCOUNT = Labels.NODE_AGENT_NAME;

  static final String HOSTS_MOUNT = "/host/hosts";
  private static final String OPERATOR_JAR = "/app/registry-operator.jar";

  private NodeAgentDaemonSet() {}

  public static Map<String, String> selector() {
    Map<String, String> labels = new TreeMap<>();
    labels.put(Labels.NAME, NAME);
    return labels;
  }

  public static Map<String, String> labels() {
    Map<String, String> labels = new TreeMap<>(selector());
    labels.put(Labels.COMPONENT, Components.NODE_AGENT);
    labels.put(Labels.MANAGED_BY, Labels.OPERATOR_NAME);
    return labels;
  }

  public static DaemonSet render(NodeAgentSettings settings) {
    List<String> args = new ArrayList<>();
    args.add("--containerd-certs-dir=" + settings.containerdCertsDir());
    args.add("--hosts-file=" + HOSTS_MOUNT);
    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    hostPath(
        volumes, mounts, "containerd-certs", settings.containerdCertsDir(), "DirectoryOrCreate");
    hostPath(volumes, mounts, "hosts", settings.hostsFile(), "File", HOSTS_MOUNT);
    if (settings.dockerCertsDir() != null) {
      args.add("--docker-certs-dir=" + settings.dockerCertsDir());
      // Set only for nodes that run Docker (the operator's --node-agent-docker-certs-dir).
      hostPath(volumes, mounts, "docker-certs", settings.dockerCertsDir(), "DirectoryOrCreate");
    }
    volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
    mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());

    return new DaemonSetBuilder()
        .withNewMetadata()
        .withName(NAME)
        .withNamespace(settings.namespace())
        .withLabels(labels())
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .withMatchLabels(selector())
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels())
        .endMetadata()
        .withNewSpec()
        .withServiceAccountName(SERVICE_ACCOUNT)
        .withEnableServiceLinks(false)
        .withTolerations(new TolerationBuilder().withOperator("Exists").build())
        .withNewSecurityContext()
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .withContainers(
            new ContainerBuilder()
                .withName("agent")
                .withImage(settings.image())
                .withImagePullPolicy("IfNotPresent")
                .withCommand("java", "-jar", OPERATOR_JAR, "node-agent")
                .withArgs(args)
                .withEnv(
                    fieldRef("NODE_NAME", "spec.nodeName"),
                    fieldRef("POD_NAMESPACE", "metadata.namespace"),
                    fieldRef("POD_NAME", "metadata.name"),
                    fieldRef("POD_UID", "metadata.uid"),
                    new EnvVarBuilder()
                        .withName("JAVA_TOOL_OPTIONS")
                        // A small, steady heap: one informer and a few files.
                        .withValue("-XX:+UseSerialGC -Xmx32m -XX:TieredStopAtLevel=1 -Xss512k")
                        .build())
                .withNewSecurityContext()
                .withRunAsUser(0L)
                .withRunAsNonRoot(false)
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withCapabilities(new CapabilitiesBuilder().withDrop("ALL").build())
                .endSecurityContext()
                .withResources(
                    new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity("10m"))
                        .addToRequests("memory", new Quantity("64Mi"))
                        .addToLimits("memory", new Quantity("128Mi"))
                        .build())
                .withVolumeMounts(mounts)
                .build())
        .withVolumes(volumes)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static void hostPath(
      List<Volume> volumes, List<VolumeMount> mounts, String name, String path, String type) {
    hostPath(volumes, mounts, name, path, type, path);
  }

  private static void hostPath(
      List<Volume> volumes,
      List<VolumeMount> mounts,
      String name,
      String path,
      String type,
      String mountPath) {
    volumes.add(
        new VolumeBuilder()
            .withName(name)
            .withNewHostPath()
            .withPath(path)
            .withType(type)
            .endHostPath()
            .build());
    mounts.add(new VolumeMountBuilder().withName(name).withMountPath(mountPath).build());
  }

  private static EnvVar fieldRef(String name, String fieldPath) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath(fieldPath)
        .endFieldRef()
        .endValueFrom()
        .build();
  }
}
