package dev.registryoperator.registry.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.GarbageCollectionSpec;
import dev.registryoperator.api.v1alpha1.MaintenanceSpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.testing.RestrictedPodSecurity;
import dev.registryoperator.tls.ExternalTool;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The garbage collection Job as rendered, and its script run for real: busybox's sh, du and awk
 * (the test cluster's registry image is that busybox) around Debian's registry binary, on a data
 * directory laid out as Distribution lays it out.
 */
class GarbageCollectionJobTest {

  @TempDir Path root;

  @Test
  void runsOnceWithTheRegistrysImageConfigurationAndClaim() {
    PrivateRegistry registry = Fixtures.registry(spec -> spec.image = "registry:2.8.3@sha256:abc");
    Job job = GarbageCollectionJob.render(registry);
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    Deployment deployment =
        RegistryDeployment.render(registry, null, null, Fixtures.OPERATOR_IMAGE);
    PodSpec registryPod = deployment.getSpec().getTemplate().getSpec();

    assertThat(job.getMetadata().getName()).isEqualTo("demo-gc");
    assertThat(job.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(owner -> assertThat(owner.getUid()).isEqualTo(Fixtures.UID));
    assertThat(job.getSpec().getBackoffLimit()).as("one attempt").isZero();
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(3600L);
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    Container collector = pod.getContainers().get(0);
    assertThat(collector.getImage()).isEqualTo("registry:2.8.3@sha256:abc");
    assertThat(collector.getCommand().get(2))
        .contains("registry garbage-collect /etc/registry-operator/registry/config.yml")
        .doesNotContain("--delete-untagged");
    assertThat(pod.getVolumes())
        .as("the registry's claim and configuration volumes, as the registry mounts them")
        .contains(volume(registryPod, "data"), volume(registryPod, "registry-config"));
    assertThat(collector.getVolumeMounts())
        .extracting(m -> m.getMountPath())
        .contains("/var/lib/registry", "/etc/registry-operator/registry");
    assertThat(collector.getEnv()).as("no http secret, nothing secret").isNullOrEmpty();
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
  }

  @Test
  void deleteUntaggedIsPassedOn() {
    PrivateRegistry registry =
        Fixtures.registry(
            spec -> {
              spec.maintenance = new MaintenanceSpec();
              spec.maintenance.garbageCollection = new GarbageCollectionSpec();
              spec.maintenance.garbageCollection.deleteUntagged = true;
            });

    String script =
        GarbageCollectionJob.render(registry)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getCommand()
            .get(2);

    assertThat(script).contains("registry garbage-collect --delete-untagged /etc/");
  }

  @Test
  void runsOnTheRegistrysNodeAndIsNoRegistryPod() {
    PrivateRegistry registry = Fixtures.registry();
    PodSpec pod = GarbageCollectionJob.render(registry).getSpec().getTemplate().getSpec();
    Map<String, String> podLabels =
        GarbageCollectionJob.render(registry).getSpec().getTemplate().getMetadata().getLabels();

    PodAffinityTerm term =
        pod.getAffinity()
            .getPodAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .get(0);
    assertThat(term.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
    assertThat(term.getLabelSelector().getMatchLabels())
        .isEqualTo(Labels.selector(registry.getMetadata().getName()));
    // The Service and the Deployment select the registry's pods by these labels: the collector
    // must never receive clients nor count as a replica.
    assertThat(podLabels.entrySet().containsAll(Labels.selector("demo").entrySet()))
        .as("the collector's labels " + podLabels + " must not contain the registry pod selector")
        .isFalse();
    assertThat(podLabels)
        .containsEntry(Labels.REGISTRY, "demo")
        .containsEntry(Labels.MANAGED_BY, Labels.OPERATOR_NAME);
  }

  @Test
  void meetsRestrictedPodSecurity() {
    PodSpec pod =
        GarbageCollectionJob.render(Fixtures.registry()).getSpec().getTemplate().getSpec();

    assertThat(RestrictedPodSecurity.violations(pod)).isEmpty();
  }

  @Test
  void rendersTheSameForTheSameRegistry() {
    assertThat(GarbageCollectionJob.render(Fixtures.registry()))
        .isEqualTo(GarbageCollectionJob.render(Fixtures.registry()));
  }

  @Test
  void reportsParseAndBadOnesAreNone() {
    assertThat(
            GarbageCollectionReport.parse(
                "{\"exitStatus\":0,\"kibBefore\":10,\"kibAfter\":4,\"blobsMarked\":2,"
                    + "\"blobsEligible\":3,\"manifestsEligible\":0,\"lastLine\":\"x\"}"))
        .hasValueSatisfying(
            report -> {
              assertThat(report.succeeded()).isTrue();
              assertThat(report.bytesBefore()).isEqualTo(10_240L);
              assertThat(report.bytesAfter()).isEqualTo(4_096L);
              assertThat(report.blobsEligible()).isEqualTo(3L);
            });
    assertThat(GarbageCollectionReport.parse(null)).isEmpty();
    assertThat(GarbageCollectionReport.parse("")).isEmpty();
    assertThat(GarbageCollectionReport.parse("killed")).isEmpty();
  }

  // The script, run ----------------------------------------------------------------------------

  @Test
  void theScriptRemovesAnUnreferencedBlobAndReportsIt() throws Exception {
    PodPaths paths = sandbox(DataMode.READ_ONLY);
    Path repositories = Path.of(paths.dataDir(), "docker/registry/v2/repositories");
    Files.createDirectories(repositories);
    Path orphan = blob(paths, new byte[400 * 1024]);

    Result result = runScript(paths);

    assertThat(result.exitStatus()).as("script output:\n" + result.output()).isZero();
    assertThat(orphan).as("the unreferenced blob").doesNotExist();
    GarbageCollectionReport report = result.report();
    assertThat(report.exitStatus()).isZero();
    assertThat(report.blobsMarked()).isZero();
    assertThat(report.blobsEligible()).isEqualTo(1L);
    assertThat(report.manifestsEligible()).isZero();
    assertThat(report.kibBefore() - report.kibAfter())
        .as("du before minus after, in KiB")
        .isGreaterThanOrEqualTo(400L);
    assertThat(result.output())
        .as("the collector's output reaches the pod log")
        .contains("1 blobs");
  }

  @Test
  void aStoreNothingWasEverPushedToIsNothingToCollect() throws Exception {
    PodPaths paths = sandbox(DataMode.READ_ONLY);

    Result result = runScript(paths);

    assertThat(result.exitStatus()).as("script output:\n" + result.output()).isZero();
    assertThat(result.report().blobsEligible()).isZero();
    assertThat(result.report().lastLine()).contains("nothing to collect");
  }

  @Test
  void aFailingCollectorFailsTheJobAndItsLastLineSaysWhy() throws Exception {
    PodPaths paths = sandbox(DataMode.READ_ONLY);
    Files.createDirectories(Path.of(paths.dataDir(), "docker/registry/v2/repositories"));
    // A configuration the collector cannot read.
    Files.writeString(
        Path.of(paths.registryConfigDir(), Keys.REGISTRY_CONFIG), "storage: [\"quote\\\"\n");

    Result result = runScript(paths);

    assertThat(result.exitStatus()).isNotZero();
    assertThat(result.report().exitStatus()).isNotZero();
    assertThat(result.report().succeeded()).isFalse();
    assertThat(result.report().lastLine())
        .as("printable, without quotes or backslashes")
        .isNotBlank()
        .doesNotContain("\"", "\\");
  }

  record Result(int exitStatus, String output, GarbageCollectionReport report) {}

  private Result runScript(PodPaths paths) throws Exception {
    ExternalTool busybox = ExternalTool.require("/bin/busybox", "apt-get install busybox-static");
    ExternalTool registry =
        ExternalTool.require("/usr/bin/docker-registry", "apt-get install docker-registry");
    Path bin = Files.createDirectories(root.resolve("bin"));
    Files.createSymbolicLink(bin.resolve("registry"), Path.of("/usr/bin/docker-registry"));
    for (String applet : List.of("sh", "du", "awk", "cat")) {
      Files.createSymbolicLink(bin.resolve(applet), Path.of("/bin/busybox"));
    }
    Path reportFile = root.resolve("termination-log");
    String script = GarbageCollectionJob.script(paths, false, reportFile.toString());
    ProcessBuilder builder =
        new ProcessBuilder(bin.resolve("sh").toString(), "-c", script).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().put("PATH", bin.toString());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the script ends").isTrue();
    String message = Files.exists(reportFile) ? Files.readString(reportFile) : "";
    assertThat(message.length())
        .as("a termination message holds at most 4096 bytes")
        .isLessThan(4096);
    assertThat(busybox).isNotNull();
    assertThat(registry).isNotNull();
    return new Result(
        process.exitValue(),
        output,
        GarbageCollectionReport.parse(message)
            .orElseThrow(
                () -> new AssertionError("no report in '" + message + "'; output:\n" + output)));
  }

  private PodPaths sandbox(DataMode mode) throws IOException {
    PodPaths paths = new PodPaths(root.toString());
    Files.createDirectories(Path.of(paths.dataDir()));
    Files.createDirectories(Path.of(paths.registryConfigDir()));
    Files.writeString(
        Path.of(paths.registryConfigDir(), Keys.REGISTRY_CONFIG),
        RegistryConfig.render(Fixtures.registry(), paths, mode));
    return paths;
  }

  /** A blob where Distribution keeps it: blobs/sha256/<2 hex>/<digest>/data. */
  private static Path blob(PodPaths paths, byte[] content) throws Exception {
    String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    Path dir =
        Path.of(paths.dataDir(), "docker/registry/v2/blobs/sha256", digest.substring(0, 2), digest);
    Files.createDirectories(dir);
    return Files.write(dir.resolve("data"), content);
  }

  private static io.fabric8.kubernetes.api.model.Volume volume(PodSpec pod, String name) {
    return pod.getVolumes().stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }
}
