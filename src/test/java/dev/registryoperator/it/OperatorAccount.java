package dev.registryoperator.it;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The identity the operator has in a cluster: the ServiceAccount, ClusterRole, Role and bindings
 * from {@code deploy/operator/}, installed as they are, and a token of that ServiceAccount. The
 * integration tier runs the operator with that token, so every test also proves that the RBAC users
 * install is enough, and the API server's audit log names any request it refused ({@link
 * RealApiServer#refusedByRbac}).
 */
final class OperatorAccount {

  /** The namespace {@code deploy/operator/kustomization.yaml} installs into. */
  static final String NAMESPACE = "registry-operator-system";

  static final String NAME = "registry-operator";

  /** The user name the API server gives the ServiceAccount's tokens. */
  static final String USER = "system:serviceaccount:" + NAMESPACE + ":" + NAME;

  /** Who installs it, as a user's {@code kubectl apply --server-side} would. */
  private static final String FIELD_MANAGER = "installer";

  private static final Path DEPLOY = Path.of("deploy", "operator");

  /** Everything of deploy/operator/ that makes up the operator's identity and rights. */
  private static final List<String> RBAC_FILES =
      List.of(
          "service-account.yaml",
          "cluster-role.yaml",
          "cluster-role-binding.yaml",
          "role.yaml",
          "role-binding.yaml");

  /** Outlives any test class; the token is asked for per operator client. */
  private static final Duration TOKEN_LIFETIME = Duration.ofHours(4);

  private OperatorAccount() {}

  /**
   * Applies the namespace and the RBAC files as {@code kubectl apply -k deploy/} would (kustomize
   * only adds the namespace), idempotently: a class may start its operator more than once.
   */
  static void install(KubernetesClient admin) {
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .fieldManager(FIELD_MANAGER)
        .serverSideApply();
    for (String file : RBAC_FILES) {
      for (HasMetadata resource : load(admin, DEPLOY.resolve(file))) {
        inNamespace(resource);
        admin.resource(resource).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
      }
    }
  }

  /**
   * A client configuration that authenticates with a fresh token of the ServiceAccount instead of
   * the administrator's certificate (the TokenRequest API, as kubelet gets a pod's token).
   */
  static Config config(KubernetesClient admin, Config adminConfig) {
    TokenRequest request =
        admin
            .serviceAccounts()
            .inNamespace(NAMESPACE)
            .withName(NAME)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(TOKEN_LIFETIME.toSeconds())
                    .endSpec()
                    .build());
    return new ConfigBuilder(adminConfig)
        .withClientCertData(null)
        .withClientCertFile(null)
        .withClientKeyData(null)
        .withClientKeyFile(null)
        .withOauthToken(request.getStatus().getToken())
        .build();
  }

  private static List<HasMetadata> load(KubernetesClient admin, Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return admin.load(in).items();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file.toAbsolutePath(), e);
    }
  }

  /** What kustomize's {@code namespace:} does to these kinds. */
  private static void inNamespace(HasMetadata resource) {
    switch (resource.getKind()) {
      case "ServiceAccount", "Role" -> resource.getMetadata().setNamespace(NAMESPACE);
      case "RoleBinding" -> {
        resource.getMetadata().setNamespace(NAMESPACE);
        for (Subject subject : ((RoleBinding) resource).getSubjects()) {
          if ("ServiceAccount".equals(subject.getKind()) && subject.getNamespace() == null) {
            subject.setNamespace(NAMESPACE);
          }
        }
      }
      default -> {
        // ClusterRole and ClusterRoleBinding are cluster-scoped; the binding names the namespace.
      }
    }
  }
}
