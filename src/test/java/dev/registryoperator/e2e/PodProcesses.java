package dev.registryoperator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.registry.model.RegistryDeployment;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The host PIDs of the pod's containers and of nginx's workers. A container restart changes its PID
 * 1; an nginx reload (SIGHUP) keeps the master but replaces every worker.
 */
record PodProcesses(Map<String, Long> containers, Set<Long> nginxWorkers) {
  static PodProcesses of(PodRunner pod) {
    Map<String, Long> containers =
        pod.containerNames().stream().collect(Collectors.toMap(name -> name, pod::containerPid));
    long nginx = pod.containerPid(RegistryDeployment.PROXY_CONTAINER);
    Set<Long> workers =
        ProcessHandle.of(nginx)
            .orElseThrow()
            .children()
            .map(ProcessHandle::pid)
            .collect(Collectors.toSet());
    assertThat(workers).as("nginx workers").isNotEmpty();
    return new PodProcesses(containers, workers);
  }
}
