package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.naming.Labels;
import dev.registryoperator.nodeagent.NodeAgentDaemonSet;
import dev.registryoperator.nodeagent.NodeAgentKeeper;
import dev.registryoperator.nodeagent.NodeAgentSettings;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Least privilege, asked of the API server's own authorizer with the RBAC of {@code
 * deploy/operator/} installed: what the operator needs is allowed, and what it does not need is
 * refused. That the allowed part is enough is shown by the whole integration tier, whose operator
 * runs as this ServiceAccount and fails a test whenever RBAC refuses it ({@link
 * RealApiServer#refusedByRbac}); this class shows that the rest is closed.
 *
 * <p>Secrets, ConfigMaps, Services and Deployments are granted in every namespace: a registry may
 * live in any namespace, and the operator watches its children cluster-wide. Kubernetes RBAC cannot
 * narrow that to the operator's own objects.
 */
class OperatorRbacIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  /** Any namespace a team might put a registry in. */
  private static final String TEAM = "team-a";

  private static final List<String> SERVICE_ACCOUNT_GROUPS =
      List.of(
          "system:serviceaccounts",
          "system:serviceaccounts:" + OperatorAccount.NAMESPACE,
          "system:authenticated");

  /** One question to the authorizer: may the operator do {@code verb} on this? */
  record Access(
      String verb, String group, String resource, String name, String namespace, String why) {

    static Access of(String verb, String groupAndResource, String namespace, String why) {
      return named(verb, groupAndResource, null, namespace, why);
    }

    /** Of one object by name: a get, or a list or watch with a metadata.name field selector. */
    static Access named(
        String verb, String groupAndResource, String name, String namespace, String why) {
      int dot = groupAndResource.indexOf('.');
      String resource = dot < 0 ? groupAndResource : groupAndResource.substring(0, dot);
      String group = dot < 0 ? "" : groupAndResource.substring(dot + 1);
      return new Access(verb, group, resource, name, namespace, why);
    }

    @Override
    public String toString() {
      return verb
          + " "
          + resource
          + (group.isEmpty() ? "" : "." + group)
          + (name == null ? "" : " " + name)
          + (namespace == null ? " (cluster)" : " in " + namespace)
          + " - "
          + why;
    }
  }

  private static final String CRDS = "customresourcedefinitions.apiextensions.k8s.io";

  @BeforeAll
  static void installTheOperatorsRbac() {
    OperatorAccount.install(API.client());
  }

  static Stream<Access> needed() {
    return Stream.of(
        Access.of("watch", "privateregistries.registryoperator.dev", null, "its primary resource"),
        Access.of("list", "registryusers.registryoperator.dev", null, "its primary resource"),
        Access.of("patch", "privateregistries/status.registryoperator.dev", TEAM, "status"),
        Access.of("patch", "registryusers/status.registryoperator.dev", TEAM, "status"),
        Access.of("create", "secrets", TEAM, "CA, TLS, htpasswd, pull Secrets"),
        Access.of("patch", "configmaps", TEAM, "nginx and registry configuration"),
        Access.of("delete", "services", TEAM, "the metrics Service when turned off"),
        Access.of("create", "deployments.apps", TEAM, "the registry's pod"),
        Access.of("delete", "ingresses.networking.k8s.io", TEAM, "an Ingress turned off"),
        Access.of("create", "persistentvolumeclaims", TEAM, "the registry's data"),
        Access.of("patch", "persistentvolumeclaims", TEAM, "growing a claim"),
        Access.of("get", "storageclasses.storage.k8s.io", null, "whether a claim may grow"),
        Access.named("watch", CRDS, "servicemonitors.monitoring.coreos.com", null, "installed?"),
        Access.named("list", CRDS, "servicemonitors.monitoring.coreos.com", null, "installed?"),
        Access.named("watch", CRDS, "certificates.cert-manager.io", null, "installed?"),
        Access.named("list", CRDS, "certificates.cert-manager.io", null, "installed?"),
        Access.of("watch", "certificates.cert-manager.io", null, "issuerRef: cert-manager"),
        Access.of("create", "certificates.cert-manager.io", TEAM, "issuerRef: the Certificate"),
        Access.of("patch", "certificates.cert-manager.io", TEAM, "issuerRef: the Certificate"),
        Access.of("delete", "certificates.cert-manager.io", TEAM, "issuerRef removed"),
        Access.of("create", "events", TEAM, "one Event per problem"),
        Access.of("patch", "leases.coordination.k8s.io", OperatorAccount.NAMESPACE, "leader"),
        Access.of("get", "pods", OperatorAccount.NAMESPACE, "its own image, once at start"),
        Access.of("create", "jobs.batch", TEAM, "a garbage collection's Job"),
        Access.of("patch", "jobs.batch", TEAM, "the Job, created by server-side apply"),
        Access.of("watch", "jobs.batch", null, "until the Job finishes"),
        Access.of("delete", "jobs.batch", TEAM, "the Job, once its report is read"),
        Access.of("list", "pods", TEAM, "the finished Job's pod, for its report"));
  }

  static Stream<Access> notNeeded() {
    return Stream.of(
        Access.of("update", "privateregistries.registryoperator.dev", TEAM, "spec is the user's"),
        Access.of("patch", "privateregistries.registryoperator.dev", TEAM, "spec is the user's"),
        Access.of("delete", "privateregistries.registryoperator.dev", TEAM, "the user's"),
        Access.of("create", "registryusers.registryoperator.dev", TEAM, "the user's"),
        Access.of("delete", "registryusers.registryoperator.dev", TEAM, "the user's"),
        Access.of("delete", "persistentvolumeclaims", TEAM, "data goes only by GC, if asked"),
        Access.of("deletecollection", "secrets", TEAM, "never in bulk"),
        Access.of("get", "persistentvolumes", null, "claims only"),
        Access.of("watch", "pods", null, "no informer on every pod"),
        Access.of("create", "pods", TEAM, "pods come from Deployments and Jobs"),
        Access.of("delete", "pods", TEAM, "a Job's pod goes with its Job"),
        Access.of("patch", "pods", TEAM, "reads pods only"),
        Access.of("update", "jobs.batch", TEAM, "a Job's template is fixed"),
        Access.of("create", "cronjobs.batch", TEAM, "the operator schedules itself"),
        Access.of("create", "pods/exec", TEAM, "never runs commands in pods"),
        Access.of("create", "daemonsets.apps", OperatorAccount.NAMESPACE, "only with node-agent/"),
        Access.of("list", "storageclasses.storage.k8s.io", null, "GET by name only"),
        Access.of("update", "storageclasses.storage.k8s.io", null, "read only"),
        Access.of("create", CRDS, null, "installer's"),
        Access.of("delete", CRDS, null, "installer's"),
        Access.of("watch", CRDS, null, "only the two CRDs it looks for, by name"),
        Access.named("get", CRDS, "issuers.cert-manager.io", null, "only the two it looks for"),
        Access.of("get", "nodes", null, "no node access"),
        Access.of("patch", "nodes", null, "no node access"),
        Access.of("create", "namespaces", null, "uses existing namespaces"),
        Access.of("delete", "namespaces", null, "uses existing namespaces"),
        Access.of("create", "clusterroles.rbac.authorization.k8s.io", null, "no RBAC writes"),
        Access.of("bind", "clusterroles.rbac.authorization.k8s.io", null, "no escalation"),
        Access.of("escalate", "clusterroles.rbac.authorization.k8s.io", null, "no escalation"),
        Access.of("create", "rolebindings.rbac.authorization.k8s.io", TEAM, "no RBAC writes"),
        Access.of("create", "serviceaccounts/token", TEAM, "no tokens of others"),
        Access.of("impersonate", "users", null, "no impersonation"),
        Access.of("impersonate", "serviceaccounts", TEAM, "no impersonation"),
        Access.of("delete", "leases.coordination.k8s.io", OperatorAccount.NAMESPACE, "renews only"),
        Access.of("patch", "leases.coordination.k8s.io", TEAM, "its own namespace only"),
        Access.of("delete", "events", TEAM, "records only"),
        Access.of("create", "certificatesigningrequests.certificates.k8s.io", null, "its own CA"),
        Access.of("create", "issuers.cert-manager.io", TEAM, "issuers are the user's"),
        Access.of("get", "clusterissuers.cert-manager.io", null, "cert-manager reads issuers"),
        Access.of("patch", "certificates/status.cert-manager.io", TEAM, "cert-manager's status"),
        Access.of("create", "certificaterequests.cert-manager.io", TEAM, "cert-manager's"));
  }

  @ParameterizedTest(name = "allowed: {0}")
  @MethodSource("needed")
  void whatTheOperatorNeedsIsAllowed(Access access) {
    assertThat(review(access).getStatus().getAllowed())
        .as("RBAC of deploy/operator/ must allow the operator to " + access)
        .isTrue();
  }

  @ParameterizedTest(name = "refused: {0}")
  @MethodSource("notNeeded")
  void whatItDoesNotNeedIsRefused(Access access) {
    SubjectAccessReview answered = review(access);
    assertThat(answered.getStatus().getAllowed())
        .as(
            "RBAC of deploy/operator/ must refuse the operator to "
                + access
                + ", but allowed it: "
                + answered.getStatus().getReason())
        .isFalse();
  }

  /**
   * Without {@code --node-agent} the operator removes an agent a previous run left; deploy/ alone
   * grants no DaemonSets, so it asks the authorizer first instead of sending a GET that RBAC
   * refuses at every start. With the rights it removes the agent.
   */
  @Test
  void withoutTheNodeAgentsRbacTheOperatorSendsNothingItWouldBeRefused() {
    String namespace = NodeAgentSettings.DEFAULT_NAMESPACE;
    API.client()
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .create();
    API.client().resource(leftoverAgent(namespace)).create();
    KubernetesClient operator = API.newOperatorClient(http -> {});

    NodeAgentKeeper.removeIfPresent(operator, namespace);

    assertThat(API.refusedByRbac()).as("requests of the operator RBAC refused").isEmpty();
    assertThat(agent(namespace)).as("the agent it may not delete").isNotNull();

    NodeAgentKeeper.removeIfPresent(API.client(), namespace);

    TestNamespace.await("the leftover agent to be deleted").until(() -> agent(namespace) == null);
  }

  private static DaemonSet agent(String namespace) {
    return API.client()
        .apps()
        .daemonSets()
        .inNamespace(namespace)
        .withName(NodeAgentDaemonSet.NAME)
        .get();
  }

  private static DaemonSet leftoverAgent(String namespace) {
    Map<String, String> labels =
        Map.of(Labels.NAME, NodeAgentDaemonSet.NAME, Labels.MANAGED_BY, Labels.OPERATOR_NAME);
    return new DaemonSetBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(NodeAgentDaemonSet.NAME)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .withMatchLabels(labels)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("agent")
        .withImage("registryoperator/registry-operator:0.1.0")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static SubjectAccessReview review(Access access) {
    String subresource = null;
    String resource = access.resource();
    int slash = resource.indexOf('/');
    if (slash >= 0) {
      subresource = resource.substring(slash + 1);
      resource = resource.substring(0, slash);
    }
    SubjectAccessReview review =
        new SubjectAccessReviewBuilder()
            .withNewSpec()
            .withUser(OperatorAccount.USER)
            .withGroups(SERVICE_ACCOUNT_GROUPS)
            .withResourceAttributes(
                new ResourceAttributesBuilder()
                    .withVerb(access.verb())
                    .withGroup(access.group())
                    .withResource(resource)
                    .withSubresource(subresource)
                    .withName(access.name())
                    .withNamespace(access.namespace())
                    .build())
            .endSpec()
            .build();
    return API.client().authorization().v1().subjectAccessReview().create(review);
  }
}
