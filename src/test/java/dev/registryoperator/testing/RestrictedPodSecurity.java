package dev.registryoperator.testing;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Kubernetes Pod Security Standard "restricted" (its baseline rules included), checked field by
 * field on a pod spec, for servers without PodSecurity admission (1.20). Returns each violation in
 * words, so that a failure says which field of which container.
 *
 * <p>Rules as the standard states them (latest): no host namespaces, privileged containers, host
 * ports or hostPath; only the listed volume types; no added capability but NET_BIND_SERVICE, and
 * ALL dropped; no privilege escalation; non-root (runAsNonRoot, and no runAsUser 0); seccomp
 * RuntimeDefault or Localhost; no custom SELinux user or role; the default /proc mount; only safe
 * sysctls.
 */
public final class RestrictedPodSecurity {

  private static final Set<String> VOLUME_TYPES =
      Set.of(
          "configMap",
          "csi",
          "downwardAPI",
          "emptyDir",
          "ephemeral",
          "persistentVolumeClaim",
          "projected",
          "secret");

  private static final Set<String> SAFE_SYSCTLS =
      Set.of(
          "kernel.shm_rmid_forced",
          "net.ipv4.ip_local_port_range",
          "net.ipv4.ip_unprivileged_port_start",
          "net.ipv4.tcp_syncookies",
          "net.ipv4.ping_group_range",
          "net.ipv4.ip_local_reserved_ports",
          "net.ipv4.tcp_keepalive_time",
          "net.ipv4.tcp_fin_timeout",
          "net.ipv4.tcp_keepalive_intvl",
          "net.ipv4.tcp_keepalive_probes");

  private RestrictedPodSecurity() {}

  public static List<String> violations(PodSpec pod) {
    List<String> violations = new ArrayList<>();
    PodSecurityContext podContext = pod.getSecurityContext();
    if (Boolean.TRUE.equals(pod.getHostNetwork())
        || Boolean.TRUE.equals(pod.getHostPID())
        || Boolean.TRUE.equals(pod.getHostIPC())) {
      violations.add("pod: host namespaces (hostNetwork, hostPID or hostIPC)");
    }
    for (Volume volume : pod.getVolumes()) {
      String type = volumeType(volume);
      if (!VOLUME_TYPES.contains(type)) {
        violations.add("volume " + volume.getName() + ": type " + type + " is not allowed");
      }
    }
    if (podContext != null) {
      if (podContext.getSysctls() != null) {
        podContext.getSysctls().stream()
            .filter(sysctl -> !SAFE_SYSCTLS.contains(sysctl.getName()))
            .forEach(sysctl -> violations.add("pod: unsafe sysctl " + sysctl.getName()));
      }
      if (Long.valueOf(0).equals(podContext.getRunAsUser())) {
        violations.add("pod: runAsUser 0");
      }
      if (podContext.getSeLinuxOptions() != null
          && (podContext.getSeLinuxOptions().getUser() != null
              || podContext.getSeLinuxOptions().getRole() != null)) {
        violations.add("pod: custom SELinux user or role");
      }
    }
    boolean podNonRoot = podContext != null && Boolean.TRUE.equals(podContext.getRunAsNonRoot());
    boolean podSeccomp = podContext != null && allowedSeccomp(podContext.getSeccompProfile());
    if (podContext != null
        && podContext.getSeccompProfile() != null
        && !allowedSeccomp(podContext.getSeccompProfile())) {
      violations.add("pod: seccomp " + podContext.getSeccompProfile().getType());
    }
    Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream())
        .forEach(container -> check(container, podNonRoot, podSeccomp, violations));
    return violations;
  }

  private static void check(
      Container container, boolean podNonRoot, boolean podSeccomp, List<String> violations) {
    String name = "container " + container.getName() + ": ";
    SecurityContext context = container.getSecurityContext();
    for (ContainerPort port : container.getPorts()) {
      if (port.getHostPort() != null && port.getHostPort() != 0) {
        violations.add(name + "hostPort " + port.getHostPort());
      }
    }
    if (context == null) {
      violations.add(name + "no securityContext (allowPrivilegeEscalation, capabilities)");
      if (!podNonRoot) {
        violations.add(name + "runAsNonRoot is not true");
      }
      if (!podSeccomp) {
        violations.add(name + "no seccomp profile");
      }
      return;
    }
    if (Boolean.TRUE.equals(context.getPrivileged())) {
      violations.add(name + "privileged");
    }
    if (!Boolean.FALSE.equals(context.getAllowPrivilegeEscalation())) {
      violations.add(name + "allowPrivilegeEscalation is not false");
    }
    Capabilities capabilities = context.getCapabilities();
    if (capabilities == null || !capabilities.getDrop().contains("ALL")) {
      violations.add(name + "capabilities do not drop ALL");
    }
    if (capabilities != null) {
      capabilities.getAdd().stream()
          .filter(added -> !added.equals("NET_BIND_SERVICE"))
          .forEach(added -> violations.add(name + "adds capability " + added));
    }
    if (Long.valueOf(0).equals(context.getRunAsUser())) {
      violations.add(name + "runAsUser 0");
    }
    if (Boolean.FALSE.equals(context.getRunAsNonRoot())
        || (!podNonRoot && !Boolean.TRUE.equals(context.getRunAsNonRoot()))) {
      violations.add(name + "runAsNonRoot is not true");
    }
    if (context.getSeccompProfile() != null && !allowedSeccomp(context.getSeccompProfile())) {
      violations.add(name + "seccomp " + context.getSeccompProfile().getType());
    } else if (context.getSeccompProfile() == null && !podSeccomp) {
      violations.add(name + "no seccomp profile");
    }
    if (context.getProcMount() != null && !"Default".equals(context.getProcMount())) {
      violations.add(name + "procMount " + context.getProcMount());
    }
    if (context.getSeLinuxOptions() != null
        && (context.getSeLinuxOptions().getUser() != null
            || context.getSeLinuxOptions().getRole() != null)) {
      violations.add(name + "custom SELinux user or role");
    }
  }

  private static boolean allowedSeccomp(SeccompProfile profile) {
    return profile != null
        && ("RuntimeDefault".equals(profile.getType()) || "Localhost".equals(profile.getType()));
  }

  /** The volume's source field, by the names the API uses. */
  private static String volumeType(Volume volume) {
    if (volume.getConfigMap() != null) return "configMap";
    if (volume.getCsi() != null) return "csi";
    if (volume.getDownwardAPI() != null) return "downwardAPI";
    if (volume.getEmptyDir() != null) return "emptyDir";
    if (volume.getEphemeral() != null) return "ephemeral";
    if (volume.getPersistentVolumeClaim() != null) return "persistentVolumeClaim";
    if (volume.getProjected() != null) return "projected";
    if (volume.getSecret() != null) return "secret";
    if (volume.getHostPath() != null) return "hostPath";
    return "another type";
  }
}
