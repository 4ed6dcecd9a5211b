package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.registryoperator.it.Kubectl.Result;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What an Argo CD user copies from {@code deploy/argocd/}, shown offline: the operator's folder
 * renders to {@code deploy/} with the CRDs protected, it and the team folder apply to the real API
 * server, and both Applications are stored by a stand-in Application CRD and point at folders that
 * render. Argo CD itself does not run here; its health check is tested in ArgoCdHealthTest.
 *
 * <p>Rendering needs a current kustomize (1.20's cannot load {@code ../../crds}), and server-side
 * apply of the CRDs needs 1.25+ (their CEL rules): on 1.20 only the Applications are checked.
 */
class ArgoCdManifestsIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  private static final String OPERATOR_FOLDER = "deploy/argocd/operator";
  private static final String SYNC_WAVE = "argocd.argoproj.io/sync-wave";
  private static final String SYNC_OPTIONS = "argocd.argoproj.io/sync-options";
  private static final String ARGOCD = "argocd";

  @TempDir static Path workDir;
  private static Kubectl kubectl;

  @BeforeAll
  static void setUp() throws Exception {
    kubectl = Kubectl.of(API, workDir);
  }

  @Test
  void theOperatorsFolderIsDeployWithTheCrdsFirstAndNeverPrunedOrDeleted() throws Exception {
    assumeTrue(API.version().atLeast(1, 25), "1.20's kustomize cannot load ../../crds");
    List<HasMetadata> argoCd = render(OPERATOR_FOLDER);
    List<HasMetadata> deploy = render("deploy");

    assertThat(argoCd)
        .extracting(ArgoCdManifestsIT::id)
        .isEqualTo(deploy.stream().map(ArgoCdManifestsIT::id).toList());
    for (HasMetadata object : argoCd) {
      Map<String, String> annotations = annotations(object);
      if (object instanceof CustomResourceDefinition) {
        assertThat(annotations)
            .as(id(object) + " is applied before everything else")
            .containsEntry(SYNC_WAVE, "-1");
        assertThat(annotations.get(SYNC_OPTIONS))
            .as(id(object) + ": neither a prune nor deleting the Application may delete it")
            .contains("Prune=false")
            .contains("Delete=false");
        annotations.remove(SYNC_WAVE);
        annotations.remove(SYNC_OPTIONS);
      }
      assertThat(annotations)
          .as(id(object) + ": no other Argo CD annotation, nothing else changed")
          .doesNotContainKeys(SYNC_WAVE, SYNC_OPTIONS);
    }
    assertThat(yaml(argoCd))
        .as("without those two annotations the Argo CD folder renders exactly deploy/")
        .isEqualTo(yaml(deploy));
  }

  @Test
  void theOperatorsFolderAppliesServerSideAndTheLiveCrdsKeepTheAnnotations() throws Exception {
    assumeTrue(API.version().atLeast(1, 25), "the CRDs' CEL rules need 1.25+ for server-side");
    // RealApiServer created the CRDs with the Java client, another field manager: take them over
    // as a first Argo CD sync over a hand-made installation would.
    assertClean(
        kubectl.run(
            "apply",
            "--server-side",
            "--force-conflicts",
            "--field-manager=argocd-controller",
            "-k",
            OPERATOR_FOLDER));

    for (String name : API.crdNames()) {
      CustomResourceDefinition live =
          API.client().apiextensions().v1().customResourceDefinitions().withName(name).get();
      assertThat(live.getMetadata().getAnnotations())
          .as(name)
          .containsEntry(SYNC_WAVE, "-1")
          .containsEntry(SYNC_OPTIONS, "Prune=false,Delete=false");
    }
  }

  @Test
  void theTeamFolderAppliesServerSide() throws Exception {
    assumeTrue(API.version().atLeast(1, 25), "the team folder is rendered by kustomize");
    createNamespace("team-a");

    assertClean(
        kubectl.run(
            "apply",
            "--server-side",
            "--field-manager=argocd-controller",
            "-n",
            "team-a",
            "-k",
            "examples/gitops/team-a"));

    assertThat(
            kubectl
                .run("get", "privateregistries,registryusers", "-n", "team-a", "-o", "name")
                .stdout())
        .contains(
            "privateregistry.registryoperator.dev/images",
            "registryuser.registryoperator.dev/ci-push",
            "registryuser.registryoperator.dev/cluster-pull");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {"deploy/argocd/operator-application.yaml", "deploy/argocd/team-application.yaml"})
  void anApplicationIsStoredAndNamesAFolderOfThisRepositoryThatRenders(String file)
      throws Exception {
    installApplicationCrdOnce();

    assertClean(
        kubectl.run(
            "apply", "--server-side", "--field-manager=installer", "-n", ARGOCD, "-f", file));

    GenericKubernetesResource application =
        API.client()
            .genericKubernetesResources("argoproj.io/v1alpha1", "Application")
            .inNamespace(ARGOCD)
            .withName(load(file).getMetadata().getName())
            .get();
    String path = (String) application.get("spec", "source", "path");
    assertThat(Path.of(path)).as(file + " source.path").isDirectory();
    assertThat(Path.of(path, "kustomization.yaml")).as(file + ": a kustomization").isRegularFile();
    assertThat(application.getMetadata().getFinalizers())
        .as(file + ": deleting the Application deletes what it installed")
        .containsExactly("resources-finalizer.argocd.argoproj.io/background");
    assertThat((List<Object>) application.get("spec", "syncPolicy", "syncOptions"))
        .as(file + ": the API server diffs and applies, so schema defaults are no drift")
        .contains("ServerSideApply=true", "ServerSideDiff=true");
    assertThat((Object) application.get("spec", "destination", "server"))
        .isEqualTo("https://kubernetes.default.svc");
    if (API.version().atLeast(1, 25)) {
      assertThat(render(path)).as("what " + path + " renders").isNotEmpty();
    }
  }

  private static boolean applicationCrdInstalled;

  private static synchronized void installApplicationCrdOnce() {
    if (!applicationCrdInstalled) {
      StandInCrd.install(API, "argoproj.io", "v1alpha1", "Application");
      createNamespace(ARGOCD);
      applicationCrdInstalled = true;
    }
  }

  private static void createNamespace(String name) {
    API.client()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  private static List<HasMetadata> render(String folder) throws Exception {
    Result rendered = kubectl.run("kustomize", folder);
    assertClean(rendered);
    return API.client()
        .load(new ByteArrayInputStream(rendered.stdout().getBytes(StandardCharsets.UTF_8)))
        .items();
  }

  private static HasMetadata load(String file) throws Exception {
    return API.client().load(Files.newInputStream(Path.of(file))).items().get(0);
  }

  private static Map<String, String> annotations(HasMetadata object) {
    if (object.getMetadata().getAnnotations() == null) {
      object.getMetadata().setAnnotations(new HashMap<>());
    }
    return object.getMetadata().getAnnotations();
  }

  private static String id(HasMetadata object) {
    return object.getKind() + " " + object.getMetadata().getName();
  }

  private static String yaml(List<HasMetadata> objects) {
    objects.forEach(
        object -> {
          if (object.getMetadata().getAnnotations() != null
              && object.getMetadata().getAnnotations().isEmpty()) {
            object.getMetadata().setAnnotations(null);
          }
        });
    return API.client().getKubernetesSerialization().asYaml(objects);
  }

  private static void assertClean(Result result) {
    assertThat(result.succeeded()).as(result.toString()).isTrue();
    assertThat(result.stderr()).as(result.toString()).isEmpty();
  }
}
