package dev.registryoperator.e2e;

import dev.registryoperator.e2e.AtomicWriter.FileProjection;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pod's volumes on this machine, each a directory that the containers get bind-mounted.
 *
 * <ul>
 *   <li>Secret and ConfigMap volumes: written by an {@link AtomicWriter} (one file per key or item
 *       path, {@code defaultMode} / item {@code mode}, the {@code ..data} symlink), then kept in
 *       sync: every {@code syncPeriod} the objects are read again and a change is swapped in
 *       atomically, as kubelet does on its pod sync. kubelet takes up to its sync period plus its
 *       cache TTL (about a minute by default); this runner is faster on purpose, tests should not
 *       wait a minute. A deleted object leaves the last content in place, as in kubelet.
 *   <li>emptyDir: an empty directory, mode 0777 (memory medium and sizeLimit are not emulated).
 *   <li>persistentVolumeClaim: a directory standing for the bound volume, by claim name, under the
 *       claims root; it outlives the runner when the caller supplied that root.
 * </ul>
 *
 * <p>fsGroup is applied as kubelet does ({@link Posix#applyFsGroup}). Not emulated: tmpfs backing
 * of Secret volumes, volume size limits and quotas, any other volume type (refused).
 */
final class PodVolumes implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PodVolumes.class);

  /** kubelet's default for Secret and ConfigMap volumes (0644). */
  private static final int DEFAULT_MODE = 0644;

  private final KubernetesClient client;
  private final String namespace;
  private final Long fsGroup;
  private final Map<String, Path> directories = new LinkedHashMap<>();
  private final Map<String, Runnable> projections = new LinkedHashMap<>();
  private final AtomicInteger updates = new AtomicInteger();
  private ScheduledExecutorService sync;

  private PodVolumes(KubernetesClient client, String namespace, Long fsGroup) {
    this.client = client;
    this.namespace = namespace;
    this.fsGroup = fsGroup;
  }

  /**
   * Lays out every volume of the pod. Waits up to {@code waitForObjects} for the Secrets and
   * ConfigMaps to exist (kubelet waits forever, the pod stays ContainerCreating).
   */
  static PodVolumes prepare(
      KubernetesClient client,
      String namespace,
      PodSpec pod,
      Path volumesDir,
      Path claimsRoot,
      Duration waitForObjects) {
    Long fsGroup = pod.getSecurityContext() == null ? null : pod.getSecurityContext().getFsGroup();
    PodVolumes volumes = new PodVolumes(client, namespace, fsGroup);
    List<Volume> declared = pod.getVolumes() == null ? List.of() : pod.getVolumes();
    for (Volume volume : declared) {
      volumes.add(volume, volumesDir.resolve(volume.getName()), claimsRoot, waitForObjects);
    }
    return volumes;
  }

  private void add(Volume volume, Path dir, Path claimsRoot, Duration waitForObjects) {
    try {
      if (volume.getSecret() != null) {
        String name = volume.getSecret().getSecretName();
        boolean optional = Boolean.TRUE.equals(volume.getSecret().getOptional());
        int mode = orDefault(volume.getSecret().getDefaultMode());
        List<KeyToPath> items = volume.getSecret().getItems();
        addProjected(
            volume.getName(),
            dir,
            waitForObjects,
            optional,
            "Secret " + name,
            () -> client.secrets().inNamespace(namespace).withName(name).get(),
            secret -> project(secretBytes(secret), items, mode, optional, "Secret " + name));
      } else if (volume.getConfigMap() != null) {
        String name = volume.getConfigMap().getName();
        boolean optional = Boolean.TRUE.equals(volume.getConfigMap().getOptional());
        int mode = orDefault(volume.getConfigMap().getDefaultMode());
        List<KeyToPath> items = volume.getConfigMap().getItems();
        addProjected(
            volume.getName(),
            dir,
            waitForObjects,
            optional,
            "ConfigMap " + name,
            () -> client.configMaps().inNamespace(namespace).withName(name).get(),
            configMap ->
                project(configMapBytes(configMap), items, mode, optional, "ConfigMap " + name));
      } else if (volume.getEmptyDir() != null) {
        Files.createDirectories(dir);
        Posix.chmod(dir, 0777);
        applyFsGroup(dir, false);
        directories.put(volume.getName(), dir);
      } else if (volume.getPersistentVolumeClaim() != null) {
        Path claim = claimsRoot.resolve(volume.getPersistentVolumeClaim().getClaimName());
        if (!Files.isDirectory(claim)) {
          // A freshly formatted file system's root.
          Files.createDirectories(claim);
          Posix.chmod(claim, 0755);
        }
        // fsGroupChangePolicy "Always" (the default): the whole tree, on every mount.
        applyFsGroup(claim, false);
        directories.put(volume.getName(), claim);
      } else {
        throw new UnsupportedOperationException(
            "volume "
                + volume.getName()
                + ": only secret, configMap, emptyDir and persistentVolumeClaim are emulated");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private <T extends HasMetadata> void addProjected(
      String volumeName,
      Path dir,
      Duration waitForObjects,
      boolean optional,
      String what,
      Supplier<T> read,
      Function<T, Map<String, FileProjection>> payload)
      throws IOException {
    Files.createDirectories(dir);
    // The volume root is an emptyDir (tmpfs) in kubelet: 0777 before fsGroup.
    Posix.chmod(dir, 0777);
    AtomicWriter writer = new AtomicWriter(dir, root -> applyFsGroup(root, true));
    T object = read.get();
    long deadline = System.nanoTime() + waitForObjects.toNanos();
    while (object == null && !optional) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "volume "
                + volumeName
                + ": "
                + what
                + " in "
                + namespace
                + " did not appear within "
                + waitForObjects);
      }
      sleep(Duration.ofMillis(200));
      object = read.get();
    }
    writer.write(object == null ? Map.of() : payload.apply(object));
    directories.put(volumeName, dir);
    projections.put(
        volumeName,
        () -> {
          T current = read.get();
          // A deleted object: kubelet keeps the last content.
          if (current != null && writer.write(payload.apply(current))) {
            updates.incrementAndGet();
            LOG.info("volume {} updated from {}", volumeName, what);
          }
        });
  }

  /** Starts re-reading the Secrets and ConfigMaps every {@code period}. */
  void startSync(Duration period) {
    if (projections.isEmpty()) {
      return;
    }
    sync =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "pod-runner-volume-sync");
              thread.setDaemon(true);
              return thread;
            });
    sync.scheduleWithFixedDelay(
        this::syncOnce, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void syncOnce() {
    projections.forEach(
        (volume, update) -> {
          try {
            update.run();
          } catch (RuntimeException e) {
            if (sync.isShutdown() || Thread.currentThread().isInterrupted()) {
              return; // the pod is being torn down: an interrupted GET is expected, not news
            }
            // An API hiccup: kubelet retries on its next sync, and so do we.
            LOG.warn("cannot sync volume {}", volume, e);
          }
        });
  }

  /** The host directory of a volume. */
  Path directory(String volume) {
    Path dir = directories.get(volume);
    if (dir == null) {
      throw new IllegalArgumentException("the pod has no volume " + volume);
    }
    return dir;
  }

  /** How many times a Secret or ConfigMap update has been swapped into a volume. */
  int updates() {
    return updates.get();
  }

  private void applyFsGroup(Path dir, boolean readOnly) {
    if (fsGroup != null) {
      Posix.applyFsGroup(dir, fsGroup, readOnly);
    }
  }

  private static Map<String, FileProjection> project(
      Map<String, byte[]> data,
      List<KeyToPath> items,
      int defaultMode,
      boolean optional,
      String what) {
    Map<String, FileProjection> payload = new TreeMap<>();
    if (items == null || items.isEmpty()) {
      data.forEach((key, bytes) -> payload.put(key, new FileProjection(bytes, defaultMode)));
      return payload;
    }
    for (KeyToPath item : items) {
      byte[] bytes = data.get(item.getKey());
      if (bytes == null) {
        if (optional) {
          continue;
        }
        // kubelet fails the volume set-up: the pod never starts.
        throw new IllegalStateException(what + " has no key " + item.getKey());
      }
      int mode = item.getMode() == null ? defaultMode : item.getMode();
      payload.put(item.getPath(), new FileProjection(bytes, mode));
    }
    return payload;
  }

  private static Map<String, byte[]> secretBytes(Secret secret) {
    Map<String, byte[]> data = new TreeMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((key, value) -> data.put(key, Base64.getDecoder().decode(value)));
    }
    if (secret.getStringData() != null) {
      secret
          .getStringData()
          .forEach((key, value) -> data.put(key, value.getBytes(StandardCharsets.UTF_8)));
    }
    return data;
  }

  private static Map<String, byte[]> configMapBytes(ConfigMap configMap) {
    Map<String, byte[]> data = new TreeMap<>();
    if (configMap.getData() != null) {
      configMap
          .getData()
          .forEach((key, value) -> data.put(key, value.getBytes(StandardCharsets.UTF_8)));
    }
    if (configMap.getBinaryData() != null) {
      configMap
          .getBinaryData()
          .forEach((key, value) -> data.put(key, Base64.getDecoder().decode(value)));
    }
    return data;
  }

  private static int orDefault(Integer mode) {
    return mode == null ? DEFAULT_MODE : mode;
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (sync != null) {
      sync.shutdownNow();
      try {
        sync.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
