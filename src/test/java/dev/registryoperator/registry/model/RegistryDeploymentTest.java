package dev.registryoperator.registry.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.AuthSpec.AuthMode;
import dev.registryoperator.api.v1alpha1.ContainerResources;
import dev.registryoperator.api.v1alpha1.IngressSpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistrySpec;
import dev.registryoperator.api.v1alpha1.ServiceSpec.ServiceType;
import dev.registryoperator.api.v1alpha1.StorageSpec.AccessMode;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RegistryDeploymentTest {

  private static final String TLS_HASH = "0123456789abcdef";
  private static final String HTTP_SECRET_HASH = "fedcba9876543210";

  @Test
  void isNamedAfterTheRegistryInItsNamespace() {
    Deployment deployment = render(Fixtures.registry());

    assertThat(deployment.getMetadata().getName()).isEqualTo("demo");
    assertThat(deployment.getMetadata().getNamespace()).isEqualTo("team-a");
  }

  @Test
  void isControlledByTheRegistry() {
    Deployment deployment = render(Fixtures.registry());

    assertThat(deployment.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getApiVersion()).isEqualTo("registryoperator.dev/v1alpha1");
              assertThat(owner.getKind()).isEqualTo("PrivateRegistry");
              assertThat(owner.getName()).isEqualTo("demo");
              assertThat(owner.getUid()).isEqualTo(Fixtures.UID);
              assertThat(owner.getController()).isTrue();
              assertThat(owner.getBlockOwnerDeletion()).isTrue();
            });
  }

  @Test
  void runsOneRegistryContainerAndOneProxyContainer() {
    PodSpec pod = pod(render(Fixtures.registry()));

    assertThat(pod.getContainers())
        .extracting(Container::getName)
        .containsExactly("registry", "proxy", "auth");
    assertThat(container(pod, "registry").getImage()).isEqualTo(PrivateRegistrySpec.DEFAULT_IMAGE);
    assertThat(container(pod, "auth").getImage()).isEqualTo(Fixtures.OPERATOR_IMAGE);
    assertThat(container(pod, "proxy").getImage())
        .isEqualTo("nginxinc/nginx-unprivileged:1.27.5-alpine");
  }

  @Test
  void imagesComeFromTheSpec() {
    PodSpec pod =
        pod(
            render(
                Fixtures.registry(
                    spec -> {
                      spec.image = "registry@sha256:abc";
                      spec.proxy.image = "example.com/nginx:1";
                    })));

    assertThat(container(pod, "registry").getImage()).isEqualTo("registry@sha256:abc");
    assertThat(container(pod, "proxy").getImage()).isEqualTo("example.com/nginx:1");
  }

  @Test
  void registryServesTheConfigFromTheConfigMap() {
    PodSpec pod = pod(render(Fixtures.registry()));
    Container registry = container(pod, "registry");

    assertThat(registry.getCommand())
        .containsExactly("registry", "serve", "/etc/registry-operator/registry/config.yml");
    // The file the command names must be the one the ConfigMap volume puts there.
    assertThat(mountedFile(pod, registry, "registry-config", Keys.REGISTRY_CONFIG))
        .isEqualTo(registry.getCommand().get(2));
  }

  @Test
  void proxyRunsNginxWithTheConfigFromTheConfigMap() {
    PodSpec pod = pod(render(Fixtures.registry()));
    Container proxy = container(pod, "proxy");

    assertThat(proxy.getCommand())
        .containsExactly("nginx", "-c", "/etc/registry-operator/nginx/nginx.conf");
    assertThat(mountedFile(pod, proxy, "nginx-config", Keys.NGINX_CONFIG))
        .isEqualTo(proxy.getCommand().get(2));
  }

  @Test
  void bothConfigVolumesComeFromTheRegistrysConfigMap() {
    PodSpec pod = pod(render(Fixtures.registry()));

    assertThat(volume(pod, "registry-config").getConfigMap().getName()).isEqualTo("demo-config");
    assertThat(volume(pod, "nginx-config").getConfigMap().getName()).isEqualTo("demo-config");
  }

  @Test
  void httpSecretComesFromTheHttpSecretSecretNeverAsAPlainValue() {
    Container registry = container(pod(render(Fixtures.registry())), "registry");

    assertThat(registry.getEnv())
        .singleElement()
        .satisfies(
            env -> {
              assertThat(env.getName()).isEqualTo("REGISTRY_HTTP_SECRET");
              assertThat(env.getValue()).isNull();
              assertThat(env.getValueFrom().getSecretKeyRef().getName())
                  .isEqualTo("demo-http-secret");
              assertThat(env.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("http-secret");
            });
  }

  @Test
  void httpSecretReferenceMatchesTheSecretTheOperatorWrites() {
    PrivateRegistry registry = Fixtures.registry();
    EnvVar env = container(pod(render(registry)), "registry").getEnv().get(0);
    var secret = AuthSecrets.httpSecret(registry, "s3cret");

    assertThat(env.getValueFrom().getSecretKeyRef().getName())
        .isEqualTo(secret.getMetadata().getName());
    assertThat(SecretData.decode(secret, env.getValueFrom().getSecretKeyRef().getKey()))
        .contains("s3cret");
  }

  @Test
  void proxyExposesTheTlsPortNamedHttpsAndTheMetricsPort() {
    Container proxy = container(pod(render(Fixtures.registry())), "proxy");

    assertThat(proxy.getPorts()).hasSize(2);
    ContainerPort port = proxy.getPorts().get(0);
    assertThat(port.getName()).isEqualTo("https");
    assertThat(port.getContainerPort()).isEqualTo(15000);
    assertThat(port.getProtocol()).isEqualTo("TCP");
    ContainerPort metrics = proxy.getPorts().get(1);
    assertThat(metrics.getName()).isEqualTo("metrics");
    assertThat(metrics.getContainerPort()).isEqualTo(9091);
    assertThat(metrics.getProtocol()).isEqualTo("TCP");
  }

  @Test
  void proxyPortFollowsTheSpec() {
    Container proxy =
        container(pod(render(Fixtures.registry(spec -> spec.proxy.port = 8443))), "proxy");

    assertThat(proxy.getPorts())
        .extracting(ContainerPort::getContainerPort)
        .containsExactly(8443, 9091);
  }

  @Test
  void registryExposesNoPortBecauseItListensOnLoopbackOnly() {
    assertThat(container(pod(render(Fixtures.registry())), "registry").getPorts()).isEmpty();
  }

  @Test
  void proxyIsReadyWhenTheRegistryBehindItIsHealthy() {
    Probe readiness = container(pod(render(Fixtures.registry())), "proxy").getReadinessProbe();

    assertThat(readiness.getHttpGet().getScheme()).isEqualTo("HTTPS");
    assertThat(readiness.getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(readiness.getHttpGet().getPort().getStrVal()).isEqualTo("https");
  }

  @Test
  void proxyLivenessChecksOnlyNginxItself() {
    // A registry outage must not restart nginx: liveness has its own path, answered by nginx.
    Probe liveness = container(pod(render(Fixtures.registry())), "proxy").getLivenessProbe();

    assertThat(liveness.getHttpGet().getScheme()).isEqualTo("HTTPS");
    assertThat(liveness.getHttpGet().getPath()).isEqualTo("/livez");
    assertThat(liveness.getHttpGet().getPort().getStrVal()).isEqualTo("https");
  }

  @Test
  void registryLivenessIsAnExecProbeBecauseKubeletCannotReachLoopback() {
    Probe liveness = container(pod(render(Fixtures.registry())), "registry").getLivenessProbe();

    assertThat(liveness.getHttpGet()).isNull();
    assertThat(liveness.getTcpSocket()).isNull();
    assertThat(liveness.getExec().getCommand())
        .last()
        .isEqualTo("http://127.0.0.1:5001/debug/health");
  }

  @Test
  void probesUseThePortNameSoTheyFollowAPortChange() {
    Container proxy =
        container(pod(render(Fixtures.registry(spec -> spec.proxy.port = 8443))), "proxy");

    assertThat(proxy.getPorts())
        .extracting(ContainerPort::getName)
        .contains(
            proxy.getReadinessProbe().getHttpGet().getPort().getStrVal(),
            proxy.getLivenessProbe().getHttpGet().getPort().getStrVal());
  }

  @Test
  void everyContainerIsLockedDown() {
    PodSpec pod = pod(render(Fixtures.registry()));

    assertThat(pod.getContainers())
        .allSatisfy(
            container -> {
              SecurityContext security = container.getSecurityContext();
              assertThat(security.getRunAsNonRoot()).as(container.getName()).isTrue();
              assertThat(security.getRunAsUser()).as(container.getName()).isPositive();
              assertThat(security.getReadOnlyRootFilesystem()).as(container.getName()).isTrue();
              assertThat(security.getAllowPrivilegeEscalation()).as(container.getName()).isFalse();
              assertThat(security.getPrivileged())
                  .as(container.getName())
                  .isNotEqualTo(Boolean.TRUE);
              assertThat(security.getCapabilities().getDrop())
                  .as(container.getName())
                  .containsExactly("ALL");
              assertThat(security.getCapabilities().getAdd())
                  .as(container.getName())
                  .isNullOrEmpty();
            });
  }

  @Test
  void podMeetsTheRestrictedPodSecurityStandard() {
    PodSpec pod = pod(render(Fixtures.registry()));

    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getAutomountServiceAccountToken())
        .as("the pod never talks to the API")
        .isFalse();
    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
  }

  @Test
  void dataVolumeIsTheRegistrysClaim() {
    PodSpec pod = pod(render(Fixtures.registry()));

    assertThat(volume(pod, "data").getPersistentVolumeClaim().getClaimName())
        .isEqualTo("demo-data");
    assertThat(mount(container(pod, "registry"), "data").getMountPath())
        .isEqualTo("/var/lib/registry");
  }

  @Test
  void dataVolumeIsTheAdoptedClaimWhenOneIsNamed() {
    PodSpec pod =
        pod(render(Fixtures.registry(spec -> spec.storage.existingClaim = "legacy-registry")));

    assertThat(volume(pod, "data").getPersistentVolumeClaim().getClaimName())
        .isEqualTo("legacy-registry");
  }

  @Test
  void registryDataDirectoryIsWhereTheRegistryConfigStoresBlobs() {
    Container registry = container(pod(render(Fixtures.registry())), "registry");

    assertThat(RegistryConfig.render(Fixtures.registry(), PodPaths.IN_POD))
        .contains("rootdirectory: " + mount(registry, "data").getMountPath() + "\n");
  }

  @Test
  void htpasswdSecretIsMountedAsAWholeDirectorySoUpdatesArrive() {
    PodSpec pod = pod(render(Fixtures.registry()));
    Volume htpasswd = volume(pod, "htpasswd");

    assertThat(htpasswd.getSecret().getSecretName()).isEqualTo("demo-htpasswd");
    assertThat(htpasswd.getSecret().getItems()).as("every key of the Secret").isNullOrEmpty();
    assertThat(mount(container(pod, "auth"), "htpasswd").getMountPath())
        .isEqualTo("/etc/registry-operator/htpasswd");
  }

  @Test
  void noMountAnywhereUsesSubPathBecauseSubPathMountsNeverUpdate() {
    PodSpec pod = pod(render(Fixtures.registry()));

    assertThat(pod.getContainers())
        .flatExtracting(Container::getVolumeMounts)
        .allSatisfy(
            mount -> {
              assertThat(mount.getSubPath()).as(mount.getName()).isNull();
              assertThat(mount.getSubPathExpr()).as(mount.getName()).isNull();
            });
  }

  @Test
  void theAuthServerReadsItsFilesWhereTheSecretVolumePutsThemAndNginxNoLongerSeesHashes() {
    PrivateRegistry registry = Fixtures.registry();
    PodSpec pod = pod(render(registry));
    Container auth = container(pod, "auth");
    String mountPath = mount(auth, "htpasswd").getMountPath();
    var secret = AuthSecrets.htpasswd(registry, Fixtures.authFiles("alice:$2a$10$x\n"));

    assertThat(volume(pod, "htpasswd").getSecret().getSecretName())
        .isEqualTo(secret.getMetadata().getName());
    assertThat(secret.getData()).containsOnlyKeys("htpasswd", "access.json");
    assertThat(auth.getArgs())
        .contains("--htpasswd=" + mountPath + "/htpasswd")
        .contains("--access=" + mountPath + "/access.json")
        .contains("--listen=127.0.0.1:5002")
        .contains("--realm=Registry");
    assertThat(auth.getCommand())
        .containsExactly("java", "-jar", "/app/registry-operator.jar", "auth-server");
    assertThat(container(pod, "proxy").getVolumeMounts())
        .extracting(VolumeMount::getName)
        .doesNotContain("htpasswd");
  }

  @Test
  void theAuthServerRunsAsTheOperatorImagesUserWithASmallHeap() {
    Container auth = container(pod(render(Fixtures.registry())), "auth");

    assertThat(auth.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    assertThat(auth.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(auth.getEnv())
        .filteredOn(env -> env.getName().equals("JAVA_TOOL_OPTIONS"))
        .singleElement()
        .satisfies(
            env -> assertThat(env.getValue()).contains("-Xmx24m").contains("-XX:+UseSerialGC"));
  }

  @Test
  void anImageNamedByTheRegistryRunsItsAuthServer() {
    PodSpec pod = pod(render(Fixtures.registry(spec -> spec.auth.serverImage = "mirror/op:1")));

    assertThat(container(pod, "auth").getImage()).isEqualTo("mirror/op:1");
  }

  @Test
  void inTokenModeTheAuthServerSignsWithTheKeyAndTheRegistryTrustsOnlyTheCa() {
    PodSpec pod = pod(render(Fixtures.registry(spec -> spec.auth.mode = AuthMode.Token)));
    Container auth = container(pod, "auth");

    assertThat(auth.getArgs())
        .contains(
            "--token-key=/etc/registry-operator/token/tls.key",
            "--token-cert=/etc/registry-operator/token/tls.crt",
            "--issuer=registry-operator/team-a/demo",
            "--service=demo.team-a.svc",
            "--token-lifetime=300");
    assertThat(mount(auth, "token-signing").getMountPath())
        .isEqualTo("/etc/registry-operator/token");
    assertThat(volume(pod, "token-signing").getSecret().getSecretName())
        .isEqualTo("demo-token-signing");
    assertThat(volume(pod, "token-signing").getSecret().getOptional()).isTrue();
    // The registry sees the CA certificate only: neither the signing key nor the serving key.
    assertThat(mount(container(pod, "registry"), "token-trust").getMountPath())
        .isEqualTo("/etc/registry-operator/token-trust");
    assertThat(volume(pod, "token-trust").getSecret().getItems())
        .singleElement()
        .satisfies(
            item -> {
              assertThat(item.getKey()).isEqualTo("ca.crt");
              assertThat(item.getPath()).isEqualTo("bundle.crt");
            });
  }

  @Test
  void anExternalTokenServerNeedsNoAuthServerAndNoHtpasswd() {
    PodSpec pod = pod(render(Fixtures.registryInMode(AuthMode.ExternalToken)));
    assertThat(volume(pod, "token-trust").getSecret().getSecretName()).isEqualTo("auth-certs");

    assertThat(pod.getContainers())
        .extracting(Container::getName)
        .containsExactly("registry", "proxy");
    assertThat(pod.getVolumes()).extracting(Volume::getName).doesNotContain("htpasswd");
  }

  @Test
  void tlsVolumeIsTheOperatorsServingSecretByDefault() {
    PodSpec pod = pod(render(Fixtures.registry()));
    Volume tls = volume(pod, "tls");

    assertThat(tls.getSecret().getSecretName()).isEqualTo("demo-tls");
    assertThat(tls.getSecret().getItems())
        .extracting(item -> item.getKey() + "->" + item.getPath())
        .containsExactlyInAnyOrder("tls.crt->tls.crt", "tls.key->tls.key");
    assertThat(mount(container(pod, "proxy"), "tls").getMountPath())
        .isEqualTo("/etc/registry-operator/tls");
  }

  @Test
  void tlsVolumeIsTheUsersSecretWhenOneIsNamed() {
    PodSpec pod = pod(render(Fixtures.registry(spec -> spec.tls.secretName = "registry-cert")));

    assertThat(volume(pod, "tls").getSecret().getSecretName()).isEqualTo("registry-cert");
  }

  @Test
  void secretFilesAreNotWorldReadable() {
    PodSpec pod = pod(render(Fixtures.registry()));

    assertThat(List.of(volume(pod, "tls"), volume(pod, "htpasswd")))
        .allSatisfy(volume -> assertThat(volume.getSecret().getDefaultMode() & 0007).isZero());
  }

  @Test
  void proxyScratchSpaceIsABoundedEmptyDir() {
    PodSpec pod = pod(render(Fixtures.registry()));
    Volume scratch = volume(pod, "proxy-scratch");

    // An empty emptyDir {} is re-applied on every reconcile by older API servers under SSA.
    assertThat(scratch.getEmptyDir().getSizeLimit()).isNotNull();
    assertThat(scratch.getEmptyDir().getSizeLimit().getNumericalAmount()).isPositive();
    assertThat(mount(container(pod, "proxy"), "proxy-scratch").getMountPath()).isEqualTo("/tmp");
    assertThat(mount(container(pod, "proxy"), "proxy-scratch").getReadOnly())
        .isNotEqualTo(Boolean.TRUE);
  }

  @Test
  void onlyTheWritableVolumesAreMountedReadWrite() {
    PodSpec pod = pod(render(Fixtures.registry()));

    assertThat(pod.getContainers())
        .flatExtracting(Container::getVolumeMounts)
        .filteredOn(mount -> !Boolean.TRUE.equals(mount.getReadOnly()))
        .extracting(VolumeMount::getName)
        .containsExactlyInAnyOrder("data", "proxy-scratch", "proxy-scratch");
  }

  @Test
  void everyMountRefersToAVolumeAndEveryVolumeIsMounted() {
    PodSpec pod = pod(render(Fixtures.registry()));
    List<String> volumes = pod.getVolumes().stream().map(Volume::getName).toList();
    List<String> mounted =
        pod.getContainers().stream()
            .flatMap(container -> container.getVolumeMounts().stream())
            .map(VolumeMount::getName)
            .toList();

    assertThat(volumes).doesNotHaveDuplicates();
    assertThat(mounted).containsAll(volumes);
    assertThat(volumes).containsAll(mounted);
  }

  @Test
  void readWriteOnceStorageRollsOutWithRecreate() {
    Deployment deployment = render(Fixtures.registry());

    // Two pods cannot both mount an RWO volume on different nodes: the old pod must go first.
    assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
  }

  @Test
  void readWriteOncePodStorageRollsOutWithRecreate() {
    Deployment deployment =
        render(
            Fixtures.registry(
                spec -> spec.storage.accessModes = List.of(AccessMode.ReadWriteOncePod)));

    assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
  }

  @Test
  void readWriteManyStorageRollsOutWithRollingUpdate() {
    Deployment deployment =
        render(
            Fixtures.registry(
                spec -> spec.storage.accessModes = List.of(AccessMode.ReadWriteMany)));

    assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
  }

  @Test
  void anAdoptedClaimRollsOutWithRecreateBecauseItsAccessModeIsUnknown() {
    Deployment deployment =
        render(
            Fixtures.registry(
                spec -> {
                  spec.storage.existingClaim = "legacy-registry";
                  spec.storage.accessModes = List.of(AccessMode.ReadWriteMany);
                }));

    assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
  }

  @Test
  void selectorIsTheStableRegistrySelectorAndMatchesThePod() {
    Deployment deployment = render(Fixtures.registry());

    assertThat(deployment.getSpec().getSelector().getMatchLabels())
        .isEqualTo(Labels.selector("demo"));
    assertThat(deployment.getSpec().getSelector().getMatchExpressions()).isNullOrEmpty();
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(Labels.selector("demo"));
  }

  @Test
  void selectorDoesNotDependOnTheSpecBecauseItIsImmutable() {
    Deployment plain = render(Fixtures.registry());
    Deployment changed =
        render(
            Fixtures.registry(
                spec -> {
                  spec.image = "registry:2.8.2";
                  spec.proxy.port = 9443;
                  spec.storage.accessModes = List.of(AccessMode.ReadWriteMany);
                }));

    assertThat(changed.getSpec().getSelector()).isEqualTo(plain.getSpec().getSelector());
  }

  @Test
  void labelsAreOnlyTheOperatorsOwn() {
    Deployment deployment = render(Fixtures.registry());
    Map<String, String> expected =
        Map.of(
            "app.kubernetes.io/name", "private-registry",
            "app.kubernetes.io/component", "registry",
            "app.kubernetes.io/managed-by", "registry-operator",
            "registryoperator.dev/registry", "demo");

    assertThat(deployment.getMetadata().getLabels()).isEqualTo(expected);
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).isEqualTo(expected);
  }

  @Test
  void usersLabelsAndAnnotationsOnTheRegistryNeverReachTheDeploymentOrItsPods() {
    // What Argo CD and kubectl put on a CR: copying them to children causes prune loops.
    PrivateRegistry registry = Fixtures.registry();
    registry
        .getMetadata()
        .setLabels(
            Map.of(
                "app.kubernetes.io/instance", "my-argo-app",
                "argocd.argoproj.io/instance", "my-argo-app",
                "team", "a"));
    registry
        .getMetadata()
        .setAnnotations(
            Map.of(
                "argocd.argoproj.io/tracking-id",
                    "my-argo-app:registryoperator.dev/PrivateRegistry:team-a/demo",
                "argocd.argoproj.io/sync-options", "Prune=false",
                "kubectl.kubernetes.io/last-applied-configuration", "{}"));

    Deployment deployment = render(registry);

    assertThat(deployment.getMetadata().getLabels())
        .isEqualTo(render(Fixtures.registry()).getMetadata().getLabels());
    assertThat(deployment.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .doesNotContainKeys("app.kubernetes.io/instance", "argocd.argoproj.io/instance", "team");
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsOnlyKeys(
            Keys.CONFIG_HASH_ANNOTATION,
            Keys.TLS_HASH_ANNOTATION,
            Keys.HTTP_SECRET_HASH_ANNOTATION);
  }

  @Test
  void tlsHashAnnotationIsTheGivenHash() {
    Deployment deployment = render(Fixtures.registry());

    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("registryoperator.dev/tls-hash", TLS_HASH);
  }

  @Test
  void tlsHashAnnotationIsLeftOutWhenTheCertificateIsNotKnownYet() {
    Deployment deployment =
        RegistryDeployment.render(Fixtures.registry(), null, null, Fixtures.OPERATOR_IMAGE);

    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .doesNotContainKey("registryoperator.dev/tls-hash")
        .containsKey("registryoperator.dev/config-hash");
  }

  @Test
  void aNewCertificateChangesOnlyTheTlsHash() {
    Deployment before =
        RegistryDeployment.render(
            Fixtures.registry(), "aaaaaaaaaaaaaaaa", null, Fixtures.OPERATOR_IMAGE);
    Deployment after =
        RegistryDeployment.render(
            Fixtures.registry(), "bbbbbbbbbbbbbbbb", null, Fixtures.OPERATOR_IMAGE);

    assertThat(configHash(after)).isEqualTo(configHash(before));
    after
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .put(Keys.TLS_HASH_ANNOTATION, "aaaaaaaaaaaaaaaa");
    assertThat(after).as("nothing else differs").isEqualTo(before);
  }

  @Test
  void aNewHttpSecretChangesOnlyTheHttpSecretHash() {
    Deployment before =
        RegistryDeployment.render(
            Fixtures.registry(), TLS_HASH, "1111111111111111", Fixtures.OPERATOR_IMAGE);
    Deployment after =
        RegistryDeployment.render(
            Fixtures.registry(), TLS_HASH, "2222222222222222", Fixtures.OPERATOR_IMAGE);

    assertThat(after.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry(Keys.HTTP_SECRET_HASH_ANNOTATION, "2222222222222222");
    after
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .put(Keys.HTTP_SECRET_HASH_ANNOTATION, "1111111111111111");
    assertThat(after).as("nothing else differs").isEqualTo(before);
  }

  @Test
  void configHashChangesWhenTheProxyReadTimeoutChanges() {
    String before = configHash(render(Fixtures.registry()));
    String after =
        configHash(render(Fixtures.registry(spec -> spec.proxy.readTimeoutSeconds = 900)));

    assertThat(after).isNotEqualTo(before);
  }

  @Test
  void configHashChangesWithEverythingThatGoesIntoNginxConf() {
    String plain = configHash(render(Fixtures.registry()));

    assertThat(configHash(render(Fixtures.registry(spec -> spec.proxy.maxBodySize = "2g"))))
        .isNotEqualTo(plain);
    assertThat(configHash(render(Fixtures.registry(spec -> spec.auth.mode = AuthMode.Token))))
        .isNotEqualTo(plain);
    assertThat(configHash(render(Fixtures.registry(spec -> spec.proxy.port = 8443))))
        .isNotEqualTo(plain);
  }

  @Test
  void configHashIgnoresSpecChangesThatLeaveBothConfigFilesAlone() {
    String plain = configHash(render(Fixtures.registry()));

    // None of these is in nginx.conf or config.yml: restarting the pod for them would be a needless
    // outage.
    List<Consumer<PrivateRegistrySpec>> unrelated =
        List.of(
            spec -> spec.image = "registry:2.8.2",
            spec -> spec.proxy.image = "example.com/nginx:1",
            spec -> spec.storage.size = "50Gi",
            spec -> spec.storage.storageClassName = "fast",
            spec -> spec.storage.deleteClaim = true,
            spec -> spec.service.type = ServiceType.NodePort,
            spec -> spec.tls.dnsNames = List.of("registry.example.com"),
            spec -> spec.tls.validityDays = 90,
            spec -> spec.auth.bcryptCost = 12,
            spec -> {
              spec.ingress = new IngressSpec();
              spec.ingress.host = "registry.example.com";
            });

    assertThat(unrelated)
        .allSatisfy(
            change -> assertThat(configHash(render(Fixtures.registry(change)))).isEqualTo(plain));
  }

  @Test
  void configHashIsTheConfigMapsContentHash() {
    PrivateRegistry registry = Fixtures.registry(spec -> spec.proxy.readTimeoutSeconds = 120);

    assertThat(configHash(render(registry)))
        .isEqualTo(RegistryConfigMap.contentHash(registry, DataMode.READ_WRITE));
  }

  @Test
  void defaultResourcesRequestButNeverLimit() {
    // A memory limit kills the registry in the middle of a large push.
    PodSpec pod = pod(render(Fixtures.registry()));

    assertThat(pod.getContainers())
        .allSatisfy(
            container -> {
              assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
              assertThat(container.getResources().getLimits()).isNullOrEmpty();
            });
  }

  @Test
  void resourcesFromTheSpecReplaceTheDefaults() {
    ContainerResources registryResources = new ContainerResources();
    registryResources.requests = Map.of("memory", new IntOrString("1Gi"));
    registryResources.limits = Map.of("memory", new IntOrString("2Gi"));
    ContainerResources proxyResources = new ContainerResources();
    proxyResources.requests = Map.of("cpu", new IntOrString(2));
    PodSpec pod =
        pod(
            render(
                Fixtures.registry(
                    spec -> {
                      spec.resources.registry = registryResources;
                      spec.resources.proxy = proxyResources;
                    })));

    ResourceRequirements registry = container(pod, "registry").getResources();
    assertThat(registry.getRequests()).isEqualTo(Map.of("memory", new Quantity("1Gi")));
    assertThat(registry.getLimits()).isEqualTo(Map.of("memory", new Quantity("2Gi")));
    ResourceRequirements proxy = container(pod, "proxy").getResources();
    assertThat(proxy.getRequests()).isEqualTo(Map.of("cpu", new Quantity("2")));
    assertThat(proxy.getLimits()).isNullOrEmpty();
  }

  @Test
  void renderingTheSameRegistryTwiceGivesEqualDeployments() {
    assertThat(render(Fixtures.registry())).isEqualTo(render(Fixtures.registry()));
  }

  private static Deployment render(PrivateRegistry registry) {
    return RegistryDeployment.render(registry, TLS_HASH, HTTP_SECRET_HASH, Fixtures.OPERATOR_IMAGE);
  }

  private static PodSpec pod(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec();
  }

  private static String configHash(Deployment deployment) {
    return deployment
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get(Keys.CONFIG_HASH_ANNOTATION);
  }

  private static Container container(PodSpec pod, String name) {
    return pod.getContainers().stream()
        .filter(container -> container.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no container " + name));
  }

  private static Volume volume(PodSpec pod, String name) {
    return pod.getVolumes().stream()
        .filter(volume -> volume.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + name));
  }

  private static VolumeMount mount(Container container, String volume) {
    return container.getVolumeMounts().stream()
        .filter(mount -> mount.getName().equals(volume))
        .findFirst()
        .orElseThrow(() -> new AssertionError(container.getName() + " does not mount " + volume));
  }

  /** Where a key of a ConfigMap volume ends up in the container's file system. */
  private static String mountedFile(PodSpec pod, Container container, String volume, String key) {
    String path =
        volume(pod, volume).getConfigMap().getItems().stream()
            .filter(item -> item.getKey().equals(key))
            .findFirst()
            .orElseThrow(() -> new AssertionError(volume + " does not project " + key))
            .getPath();
    return mount(container, volume).getMountPath() + "/" + path;
  }

  @Test
  void readOnlyRollsThePodThroughTheConfigHashAndNothingElse() {
    PrivateRegistry registry = Fixtures.registry();
    Deployment readWrite = render(registry);
    Deployment readOnly =
        RegistryDeployment.render(
            registry, TLS_HASH, HTTP_SECRET_HASH, Fixtures.OPERATOR_IMAGE, DataMode.READ_ONLY);

    assertThat(configHash(readOnly)).isNotEqualTo(configHash(readWrite));
    assertThat(configHash(readOnly))
        .isEqualTo(RegistryConfigMap.contentHash(registry, DataMode.READ_ONLY));
    readOnly
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .put(Keys.CONFIG_HASH_ANNOTATION, configHash(readWrite));
    assertThat(readOnly).as("all but the hash").isEqualTo(readWrite);
  }

  @Test
  void theServingModeIsKnownOnlyOnceARolloutIsComplete() {
    PrivateRegistry registry = Fixtures.registry();
    Deployment readOnly =
        RegistryDeployment.render(
            registry, TLS_HASH, HTTP_SECRET_HASH, Fixtures.OPERATOR_IMAGE, DataMode.READ_ONLY);
    readOnly.getMetadata().setGeneration(4L);

    assertThat(RegistryDeployment.servingMode(registry, readOnly)).as("no status yet").isEmpty();
    readOnly.setStatus(status(3L, 1, 0, 1));
    assertThat(RegistryDeployment.servingMode(registry, readOnly))
        .as("the controller has not seen generation 4")
        .isEmpty();
    readOnly.setStatus(status(4L, 1, 0, 0));
    assertThat(RegistryDeployment.servingMode(registry, readOnly))
        .as("Recreate: the old pod is gone, the new one not yet available")
        .isEmpty();
    readOnly.setStatus(status(4L, 2, 1, 1));
    assertThat(RegistryDeployment.servingMode(registry, readOnly))
        .as("RollingUpdate: an old pod still serves")
        .isEmpty();
    readOnly.setStatus(status(4L, 1, 1, 1));
    assertThat(RegistryDeployment.servingMode(registry, readOnly)).contains(DataMode.READ_ONLY);

    Deployment readWrite = render(registry);
    readWrite.getMetadata().setGeneration(5L);
    readWrite.setStatus(status(5L, 1, 1, 1));
    assertThat(RegistryDeployment.servingMode(registry, readWrite)).contains(DataMode.READ_WRITE);
    assertThat(
            RegistryDeployment.servingMode(
                Fixtures.registry(spec -> spec.auth.mode = AuthMode.Token), readWrite))
        .as("a template of another spec is neither mode")
        .isEmpty();
  }

  private static io.fabric8.kubernetes.api.model.apps.DeploymentStatus status(
      long observedGeneration, int replicas, int updated, int available) {
    return new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder()
        .withObservedGeneration(observedGeneration)
        .withReplicas(replicas)
        .withUpdatedReplicas(updated)
        .withAvailableReplicas(available)
        .build();
  }
}
