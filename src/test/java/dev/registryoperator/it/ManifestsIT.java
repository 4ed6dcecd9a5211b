package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.registryoperator.it.Kubectl.Result;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files users apply - crds/, examples/, deploy/ - applied with the kubectl that matches the
 * server, the way the README tells users to. Server-side apply, because that is what GitOps tools
 * and current kubectl users do, and it is stricter about field ownership than client-side apply.
 */
class ManifestsIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final String OPERATOR_NAMESPACE = "registry-operator-system";

  @TempDir static Path workDir;
  private static Kubectl kubectl;

  /**
   * The CRDs as a user installs them, with this server's kubectl, instead of the ones RealApiServer
   * created with the Java client (another field manager, which server-side apply would rightly
   * report as a conflict).
   */
  @BeforeAll
  static void installTheCrdsAsAUserDoes() throws Exception {
    kubectl = Kubectl.of(API, workDir);
    var crds = API.client().apiextensions().v1().customResourceDefinitions();
    for (String name : API.crdNames()) {
      crds.withName(name).delete();
      crds.withName(name).waitUntilCondition(Objects::isNull, 30, TimeUnit.SECONDS);
    }

    assertSucceeded(installCrds());

    for (String name : API.crdNames()) {
      crds.withName(name).waitUntilCondition(RealApiServer::established, 30, TimeUnit.SECONDS);
    }
  }

  /**
   * The README's install command for this server. The CRDs carry CEL rules ({@code
   * x-kubernetes-validations}), a field 1.20 does not know: its kubectl refuses the files in
   * client-side validation and its server-side apply refuses them too ("field not declared in
   * schema"). So on servers before 1.25 the README says {@code kubectl apply --validate=false -f
   * crds/}: the server still validates the CRD itself and drops the rules.
   */
  private static Result installCrds() throws Exception {
    return API.version().atLeast(1, 25)
        ? kubectl.run("apply", "--server-side", "--field-manager=installer", "-f", "crds/")
        : kubectl.run("apply", "--validate=false", "-f", "crds/");
  }

  @Test
  void theCrdsApplyAgainWithTheServersKubectl() throws Exception {
    assertClean(installCrds());
    if (API.version().atLeast(1, 25)) {
      assertClean(
          kubectl.run("apply", "--server-side", "--field-manager=installer", "-k", "crds/"));
    } else {
      Result validated = kubectl.run("apply", "-f", "crds/");
      assertThat(validated.succeeded()).as(validated.toString()).isFalse();
      assertThat(validated.stderr()).contains("unknown field \"x-kubernetes-validations\"");

      Result serverSide =
          kubectl.run(
              "apply",
              "--server-side",
              "--validate=false",
              "--field-manager=installer",
              "-f",
              "crds/");
      assertThat(serverSide.succeeded()).as(serverSide.toString()).isFalse();
      assertThat(serverSide.stderr())
          .contains("x-kubernetes-validations: field not declared in schema");
    }
  }

  @Test
  void everyExampleAppliesServerSide() throws Exception {
    String namespace = API.newNamespace("examples");
    try (var files = Files.list(Path.of("examples"))) {
      List<Path> examples = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
      assertThat(examples).isNotEmpty();
      for (Path example : examples) {
        assertClean(
            kubectl.run(
                "apply",
                "--server-side",
                "--field-manager=user",
                "-n",
                namespace,
                "-f",
                example.toString()));
      }
      // Applying the same files again changes nothing and conflicts with nobody.
      for (Path example : examples) {
        Result again =
            kubectl.run(
                "apply",
                "--server-side",
                "--field-manager=user",
                "-n",
                namespace,
                "-f",
                example.toString());
        assertClean(again);
        assertThat(again.stdout()).doesNotContain("configured");
      }
    }
  }

  /**
   * {@code kubectl apply -k deploy/} is the install command. kubectl 1.20's built-in kustomize
   * (v2.0.3) cannot take a directory ({@code ../crds}) as a resource, so on 1.20 the same files are
   * applied one by one (the CRDs as {@link #installCrds} says).
   */
  @Test
  void theDeployFolderAppliesServerSide() throws Exception {
    if (API.version().atLeast(1, 25)) {
      assertClean(
          kubectl.run("apply", "--server-side", "--field-manager=installer", "-k", "deploy/"));
      // The same with the node agent: its namespace, its RBAC, and the operator's flag.
      assertClean(
          kubectl.run(
              "apply", "--server-side", "--field-manager=installer", "-k", "deploy/node-agent/"));
      assertThat(
              API.client()
                  .apps()
                  .deployments()
                  .inNamespace(OPERATOR_NAMESPACE)
                  .withName("registry-operator")
                  .get()
                  .getSpec()
                  .getTemplate()
                  .getSpec()
                  .getContainers()
                  .get(0)
                  .getArgs())
          .contains("--node-agent");
    } else {
      assertSucceeded(installCrds());
      assertSucceeded(
          kubectl.run(
              "apply",
              "--server-side",
              "--field-manager=installer",
              "-f",
              "deploy/operator/namespace.yaml"));
      for (String file :
          List.of(
              "service-account.yaml",
              "cluster-role.yaml",
              "cluster-role-binding.yaml",
              "role.yaml",
              "role-binding.yaml",
              "deployment.yaml")) {
        assertSucceeded(
            kubectl.run(
                "apply",
                "--server-side",
                "--field-manager=installer",
                "-n",
                OPERATOR_NAMESPACE,
                "-f",
                "deploy/operator/" + file));
      }
    }
    Deployment operator =
        API.client()
            .apps()
            .deployments()
            .inNamespace(OPERATOR_NAMESPACE)
            .withName("registry-operator")
            .get();
    assertThat(operator).isNotNull();
    assertThat(operator.getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo("registry-operator");
  }

  /**
   * deploy/prometheus/ goes on after deploy/ where the Prometheus Operator's CRDs exist; a
   * schemaless ServiceMonitor CRD stands in for the real one (as in ServiceMonitorIT).
   */
  @Test
  void thePrometheusManifestsApplyWhereTheServiceMonitorCrdExists() throws Exception {
    ServiceMonitorCrd.install(API);
    assertSucceeded(
        kubectl.run(
            "apply",
            "--server-side",
            "--field-manager=installer",
            "-f",
            "deploy/operator/namespace.yaml"));

    if (API.version().atLeast(1, 25)) {
      assertClean(
          kubectl.run(
              "apply", "--server-side", "--field-manager=installer", "-k", "deploy/prometheus/"));
    } else {
      for (String file : List.of("metrics-service.yaml", "service-monitor.yaml")) {
        assertSucceeded(
            kubectl.run(
                "apply",
                "--server-side",
                "--field-manager=installer",
                "-n",
                OPERATOR_NAMESPACE,
                "-f",
                "deploy/prometheus/" + file));
      }
    }
  }

  /** The Argo CD health checks are a merge patch for argocd-cm, applied as the file says. */
  @Test
  void theArgoCdHealthPatchMergesIntoArgocdCm() throws Exception {
    assumeTrue(Files.isRegularFile(Path.of("deploy/argocd/argocd-cm-health.yaml")));
    API.client()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName("argocd").endMetadata().build())
        .create();
    API.client()
        .configMaps()
        .inNamespace("argocd")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("argocd-cm")
                .endMetadata()
                .addToData("url", "https://argocd.example.test")
                .build())
        .create();

    assertClean(
        kubectl.run(
            "-n",
            "argocd",
            "patch",
            "configmap",
            "argocd-cm",
            "--type",
            "merge",
            "--patch",
            Files.readString(Path.of("deploy/argocd/argocd-cm-health.yaml"))));

    ConfigMap patched = API.client().configMaps().inNamespace("argocd").withName("argocd-cm").get();
    assertThat(patched.getData())
        .containsKeys(
            "url",
            "resource.customizations.health.registryoperator.dev_PrivateRegistry",
            "resource.customizations.health.registryoperator.dev_RegistryUser");
  }

  private static void assertSucceeded(Result result) {
    assertThat(result.succeeded()).as(result.toString()).isTrue();
  }

  /** Succeeded without a warning: a deprecated field or API would show up here first. */
  private static void assertClean(Result result) {
    assertSucceeded(result);
    assertThat(result.stderr()).as(result.toString()).isEmpty();
  }
}
