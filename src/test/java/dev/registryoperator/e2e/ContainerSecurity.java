package dev.registryoperator.e2e;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The identity and privileges a container process gets from the pod's and the container's
 * securityContext (the container's fields win), applied with {@code setpriv}.
 *
 * <p>Emulated: runAsUser / runAsGroup, supplementalGroups plus fsGroup as supplementary groups (as
 * kubelet adds them), runAsNonRoot (a root user is refused, like kubelet's
 * CreateContainerConfigError), allowPrivilegeEscalation=false (no_new_privs), capabilities as the
 * bounding set (containerd's default set, minus drop, plus add), readOnlyRootFilesystem.
 *
 * <p>Not emulated: the image's USER (a container without runAsUser runs as root here), seccomp
 * profiles (RuntimeDefault is not applied), AppArmor / SELinux, privileged mode, procMount, masked
 * and read-only /proc paths, sysctls.
 */
record ContainerSecurity(
    long uid,
    long gid,
    Set<Long> supplementalGroups,
    boolean noNewPrivileges,
    boolean readOnlyRootFilesystem,
    Set<String> boundingCapabilities) {

  /** containerd's default capability set for containers. */
  static final Set<String> RUNTIME_DEFAULT_CAPABILITIES =
      Set.of(
          "chown",
          "dac_override",
          "fsetid",
          "fowner",
          "mknod",
          "net_raw",
          "setgid",
          "setuid",
          "setfcap",
          "setpcap",
          "net_bind_service",
          "sys_chroot",
          "kill",
          "audit_write");

  static ContainerSecurity of(PodSecurityContext pod, Container container) {
    PodSecurityContext podContext = pod == null ? new PodSecurityContext() : pod;
    SecurityContext own =
        container.getSecurityContext() == null
            ? new SecurityContext()
            : container.getSecurityContext();

    Long uid = first(own.getRunAsUser(), podContext.getRunAsUser());
    Long gid = first(own.getRunAsGroup(), podContext.getRunAsGroup());
    Boolean nonRoot = first(own.getRunAsNonRoot(), podContext.getRunAsNonRoot());
    long effectiveUid = uid == null ? 0 : uid;
    if (Boolean.TRUE.equals(nonRoot) && effectiveUid == 0) {
      throw new IllegalStateException(
          "container "
              + container.getName()
              + " has runAsNonRoot and would run as root"
              + (uid == null
                  ? " (no runAsUser; the image's USER is not known to the runner)"
                  : ""));
    }

    Set<Long> groups = new LinkedHashSet<>();
    if (podContext.getSupplementalGroups() != null) {
      groups.addAll(podContext.getSupplementalGroups());
    }
    if (podContext.getFsGroup() != null) {
      groups.add(podContext.getFsGroup());
    }

    Set<String> capabilities = new TreeSet<>(RUNTIME_DEFAULT_CAPABILITIES);
    Capabilities requested = own.getCapabilities();
    if (requested != null) {
      if (requested.getDrop() != null) {
        for (String drop : requested.getDrop()) {
          if (drop.equalsIgnoreCase("ALL")) {
            capabilities.clear();
          } else {
            capabilities.remove(capabilityName(drop));
          }
        }
      }
      if (requested.getAdd() != null) {
        requested.getAdd().forEach(add -> capabilities.add(capabilityName(add)));
      }
    }
    if (Boolean.TRUE.equals(own.getPrivileged())) {
      throw new UnsupportedOperationException("privileged containers are not emulated");
    }

    return new ContainerSecurity(
        effectiveUid,
        gid == null ? 0 : gid,
        groups,
        Boolean.FALSE.equals(own.getAllowPrivilegeEscalation()),
        Boolean.TRUE.equals(own.getReadOnlyRootFilesystem()),
        capabilities);
  }

  /** The {@code setpriv} invocation that turns a root process into this container's. */
  List<String> setpriv() {
    List<String> arguments = new ArrayList<>();
    arguments.add("/usr/bin/setpriv");
    arguments.add("--reuid=" + uid);
    arguments.add("--regid=" + gid);
    if (supplementalGroups.isEmpty()) {
      arguments.add("--clear-groups");
    } else {
      arguments.add(
          "--groups="
              + String.join(",", supplementalGroups.stream().map(String::valueOf).toList()));
    }
    if (noNewPrivileges) {
      arguments.add("--no-new-privs");
    }
    arguments.add("--inh-caps=-all");
    StringBuilder bounding = new StringBuilder("-all");
    boundingCapabilities.forEach(capability -> bounding.append(",+").append(capability));
    arguments.add("--bounding-set=" + bounding);
    arguments.add("--");
    return arguments;
  }

  private static String capabilityName(String kubernetesName) {
    String name = kubernetesName.toLowerCase(Locale.ROOT);
    return name.startsWith("cap_") ? name.substring(4) : name;
  }

  @SafeVarargs
  private static <T> T first(T... candidates) {
    for (T candidate : candidates) {
      if (candidate != null) {
        return candidate;
      }
    }
    return null;
  }
}
