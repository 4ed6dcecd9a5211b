package dev.registryoperator.registry.model;

import dev.registryoperator.api.v1alpha1.GarbageCollectionSpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistrySpec;
import dev.registryoperator.kube.OwnedMetadata;
import dev.registryoperator.naming.Components;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.RegistryNames;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Duration;

/**
 * The Job of a garbage collection: {@code registry garbage-collect} with the registry's image, its
 * configuration (read-only by then) and its claim, next to the registry's pod. Its container
 * measures the data before and after ({@code du}) and leaves what it found as a small JSON document
 * in its termination message, which the operator reads from the pod when the Job is done ({@link
 * GarbageCollectionReport}).
 */
public final class GarbageCollectionJob {

  public static final String CONTAINER = "collect";

  /** How long registry garbage-collect may run before the Job controller stops it. */
  public static final Duration DEADLINE = Duration.ofHours(1);

  /** The claim is ReadWriteOnce: mountable only on the node where the registry's pod runs. */
  static final String NODE_TOPOLOGY = "kubernetes.io/hostname";

  /** The root file system is read-only: the shell's here-document needs a writable /tmp. */
  private static final String SCRATCH_VOLUME = "scratch";

  private static final String SCRATCH_DIR = "/tmp";

  /** Kubernetes' default terminationMessagePath: what is written there becomes the message. */
  static final String TERMINATION_LOG = "/dev/termination-log";

  private GarbageCollectionJob() {}

  public static Job render(PrivateRegistry registry) {
    PrivateRegistrySpec spec = registry.getSpec();
    RegistryNames names = RegistryNames.of(registry);
    PodPaths paths = PodPaths.IN_POD;
    return new JobBuilder()
        .withMetadata(
            OwnedMetadata.owned(
                registry,
                names.registry(),
                names.garbageCollectionJob(),
                Components.GARBAGE_COLLECTION))
        .withNewSpec()
        // One attempt: a second one would find a half-swept store, and the operator reports the
        // failure and opens the registry again instead.
        .withBackoffLimit(0)
        .withActiveDeadlineSeconds(DEADLINE.toSeconds())
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(Labels.forGarbageCollectionPod(names.registry()))
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withFsGroup(RegistryDeployment.REGISTRY_UID)
        .withFsGroupChangePolicy("OnRootMismatch")
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        // Next to the registry's pod: a ReadWriteOnce claim is mounted per node, so two pods on
        // the same node may share it. That is safe only because the registry is read-only now.
        .withNewAffinity()
        .withNewPodAffinity()
        .addNewRequiredDuringSchedulingIgnoredDuringExecution()
        .withNewLabelSelector()
        .withMatchLabels(Labels.selector(names.registry()))
        .endLabelSelector()
        .withTopologyKey(NODE_TOPOLOGY)
        .endRequiredDuringSchedulingIgnoredDuringExecution()
        .endPodAffinity()
        .endAffinity()
        .addNewContainer()
        .withName(CONTAINER)
        .withImage(spec.image)
        .withCommand("sh", "-c", script(paths, deleteUntagged(spec), TERMINATION_LOG))
        .withVolumeMounts(
            new VolumeMountBuilder()
                .withName(RegistryDeployment.DATA_VOLUME)
                .withMountPath(paths.dataDir())
                .build(),
            new VolumeMountBuilder()
                .withName(RegistryDeployment.REGISTRY_CONFIG_VOLUME)
                .withMountPath(paths.registryConfigDir())
                .withReadOnly(true)
                .build(),
            new VolumeMountBuilder().withName(SCRATCH_VOLUME).withMountPath(SCRATCH_DIR).build())
        .withResources(
            RegistryDeployment.resourcesOrDefault(spec.resources.registry, "100m", "128Mi"))
        .withSecurityContext(RegistryDeployment.restricted(RegistryDeployment.REGISTRY_UID))
        .endContainer()
        .withVolumes(
            new VolumeBuilder()
                .withName(RegistryDeployment.DATA_VOLUME)
                .withNewPersistentVolumeClaim()
                .withClaimName(RegistryClaim.claimName(registry))
                .endPersistentVolumeClaim()
                .build(),
            RegistryDeployment.configMapVolume(
                RegistryDeployment.REGISTRY_CONFIG_VOLUME, names.configMap(), Keys.REGISTRY_CONFIG),
            // A size limit, not an empty object: see the Deployment's scratch volume.
            new VolumeBuilder()
                .withName(SCRATCH_VOLUME)
                .withNewEmptyDir()
                .withSizeLimit(new Quantity("16Mi"))
                .endEmptyDir()
                .build())
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static boolean deleteUntagged(PrivateRegistrySpec spec) {
    GarbageCollectionSpec collection =
        spec.maintenance == null ? null : spec.maintenance.garbageCollection;
    return collection != null && collection.deleteUntagged;
  }

  /**
   * Runs the collection and writes its report. The collector's own output goes to the pod's log as
   * it comes (one line per blob marked, so it is never held in memory); awk keeps its summary line
   * ("N blobs marked, B blobs and M manifests eligible for deletion") and its last line, which says
   * why when it fails. Busybox and Alpine both have sh, du and awk. The report is JSON with numbers
   * only and one line of the collector's output stripped of quotes, backslashes and control
   * characters; the collector never sees a secret (the Job has no http secret, no token, no service
   * account).
   */
  static String script(PodPaths paths, boolean deleteUntagged, String reportFile) {
    return """
        set -u
        data=%1$s
        used_kib() { du -sk "$data" | awk '{ print $1 }'; }
        before=$(used_kib)
        if [ ! -d "$data/docker/registry/v2/repositories" ]; then
          # Nothing was ever pushed: the collector would fail to find the repositories.
          summary="0 0 0 0
        no repositories: nothing to collect"
        else
          summary=$({ registry garbage-collect %2$s%3$s/%4$s 2>&1; status=$?; echo; echo "exit-status $status"; } | awk '
            /^exit-status [0-9]+$/ { status = $2; next }
            { print > "/dev/stderr"; if (length($0) > 0) last = $0 }
            /^[0-9]+ blobs marked, [0-9]+ blobs and [0-9]+ manifests eligible for deletion/ {
              marked = $1; blobs = $4; manifests = $7
            }
            END {
              gsub(/["\\\\]/, "", last); gsub(/[^ -~]/, "", last)
              printf "%%s %%s %%s %%s\\n%%s\\n", (status == "" ? 1 : status),
                (marked == "" ? "null" : marked), (blobs == "" ? "null" : blobs),
                (manifests == "" ? "null" : manifests), substr(last, 1, 300)
            }')
        fi
        after=$(used_kib)
        { read -r status marked blobs manifests; read -r last; } <<EOF
        $summary
        EOF
        printf '{"exitStatus":%%s,"kibBefore":%%s,"kibAfter":%%s,"blobsMarked":%%s,"blobsEligible":%%s,"manifestsEligible":%%s,"lastLine":"%%s"}' \\
          "${status:-1}" "${before:-null}" "${after:-null}" "${marked:-null}" "${blobs:-null}" \\
          "${manifests:-null}" "${last:-}" > %5$s
        exit "${status:-1}"
        """
        .formatted(
            paths.dataDir(),
            deleteUntagged ? "--delete-untagged " : "",
            paths.registryConfigDir(),
            Keys.REGISTRY_CONFIG,
            reportFile);
  }
}
