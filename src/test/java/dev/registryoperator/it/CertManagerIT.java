package dev.registryoperator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.RegistryNames;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.KeyAndCertificate;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * spec.tls.issuerRef on the real API server, with cert-manager's released CRDs (or, without them, a
 * stand-in Certificate CRD: {@link CertManagerCrd}) and a stand-in for cert-manager itself ({@link
 * CertManagerStandIn}): the Certificate the operator asks for, the wait for it, the Secret it
 * yields served by a real nginx to a client that trusts only the issuer, the CA bundle, a renewal
 * that rolls the proxy at once, and a cluster without cert-manager. The first test runs before the
 * CRD exists.
 */
@TestMethodOrder(OrderAnnotation.class)
class CertManagerIT {

  @RegisterExtension static final RealApiServer API = new RealApiServer();

  @RegisterExtension
  @Order(OperatorUnderTest.AFTER_THE_SERVER)
  static final OperatorUnderTest operator = OperatorUnderTest.forEveryTest(API);

  private static final String API_VERSION = PrivateRegistry.GROUP + "/" + PrivateRegistry.VERSION;

  /**
   * The CRD is watched: its arrival reaches a waiting registry within seconds (when it was looked
   * at once a minute, the Certificate came 44.8 s after it).
   */
  private static final Duration CRD_PICKUP = Duration.ofSeconds(15);

  /** How long a registry waiting for cert-manager's CRD is watched for retries. */
  private static final Duration RETRY_WINDOW = Duration.ofSeconds(15);

  /** "Within seconds": far below the 10 minutes of the periodic pass, with room for a busy host. */
  private static final Duration ROLL_LIMIT = Duration.ofSeconds(20);

  private static CertManagerStandIn certManager;

  @TempDir Path work;

  @BeforeAll
  static void standInForCertManager() {
    certManager = new CertManagerStandIn(API.client());
  }

  @Test
  @Order(1)
  void withoutCertManagerTheRegistrySaysSoOnceAndIsCreatedWhenCertManagerArrives()
      throws Exception {
    assertThat(CertManagerCrd.installed(API)).as("this test runs before the CRD exists").isFalse();
    TestNamespace namespace = TestNamespace.create(API, "no-cert-manager");
    createRegistry(namespace, "plain", "{}");
    createRegistry(namespace, "demo", "{tls: {issuerRef: {name: team-ca}}}");

    namespace.awaitReady("plain", "DeploymentUnavailable");
    PrivateRegistry waiting = namespace.awaitReady("demo", "CertManagerNotInstalled");
    String message = TestNamespace.ready(waiting).orElseThrow().getMessage();
    System.out.printf("[it] CertManagerNotInstalled: %s%n", message);
    assertThat(message).contains("certificates.cert-manager.io", "Install cert-manager");

    long quietFrom = operator.requests().mark();
    Thread.sleep(RETRY_WINDOW.toMillis());
    assertThat(
            operator.requests().since(quietFrom, request -> request.inNamespace(namespace.name())))
        .as("the operator's requests into the namespace while cert-manager is missing")
        .isEmpty();
    assertThat(warnings(namespace, "CertManagerNotInstalled"))
        .as("Warning Events CertManagerNotInstalled")
        .singleElement()
        .isEqualTo(message);
    assertThat(namespace.get(Deployment.class, "demo"))
        .as("nothing is applied for a registry waiting for cert-manager")
        .isNull();
    assertThat(TestNamespace.readyReason(namespace.registry("plain")))
        .as("a registry without issuerRef is not affected")
        .isEqualTo("DeploymentUnavailable");

    long installedAt = System.nanoTime();
    CertManagerCrd.install(API);
    Awaitility.await("the registry's Certificate once cert-manager's CRD is installed")
        .atMost(CRD_PICKUP)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> namespace.get(Certificate.class, "demo") != null);
    System.out.printf(
        "[it] Certificate created %d ms after cert-manager's CRD was installed%n",
        Duration.ofNanos(System.nanoTime() - installedAt).toMillis());
    namespace.awaitReady("demo", "CertificatePending");

    certManager.issue(namespace.name(), "demo");
    namespace.setDeploymentAvailable("demo", true);
    namespace.awaitReady("demo", "Available");
  }

  @Test
  @Order(2)
  void theIssuedCertificateIsServedAndARenewalRollsTheProxyAtOnce() throws Exception {
    ensureCertManagerCrd();
    TestNamespace namespace = TestNamespace.create(API, "cert-manager");
    RegistryNames names = RegistryNames.of("demo");
    String host = names.inClusterHost(namespace.name());
    createRegistry(
        namespace,
        "demo",
        "{tls: {issuerRef: {name: team-ca, kind: ClusterIssuer}, dnsNames: [registry.example.test]}}");

    Certificate certificate = namespace.awaitPresent(Certificate.class, names.certificate());
    assertThat(certificate.getSpec().getSecretName()).isEqualTo(names.issuedTlsSecret());
    assertThat(certificate.getSpec().getDnsNames())
        .as("the names of the operator's own certificate, and the extra one")
        .containsAll(List.of(names.serviceDnsNames(namespace.name())))
        .contains("registry.example.test");
    assertThat(certificate.getSpec().getIssuerRef().getKind()).isEqualTo("ClusterIssuer");
    assertThat(certificate.getSpec().getIssuerRef().getGroup()).isEqualTo("cert-manager.io");
    TestNamespace.assertControlledBy(
        certificate, namespace.registry("demo"), API_VERSION, "PrivateRegistry");

    // Before issuance: the proxy serves the operator's certificate, and Ready says why not.
    certManager.reportNotReady(
        namespace.name(), "demo", "DoesNotExist", "Issuing certificate as Secret does not exist");
    namespace.setDeploymentAvailable("demo", true);
    PrivateRegistry pending =
        namespace.awaitRegistry(
            "demo",
            "CertificatePending with cert-manager's words",
            registry ->
                "CertificatePending".equals(TestNamespace.readyReason(registry))
                    && TestNamespace.ready(registry)
                        .orElseThrow()
                        .getMessage()
                        .contains("Issuing certificate as Secret does not exist"));
    System.out.printf(
        "[it] CertificatePending: %s%n", TestNamespace.ready(pending).orElseThrow().getMessage());
    assertThat(servedSecretName(namespace)).isEqualTo(names.tlsSecret());

    long issuedAt = System.nanoTime();
    X509Certificate issued = certManager.issue(namespace.name(), "demo");
    awaitServed(namespace, names.issuedTlsSecret(), null);
    System.out.printf(
        "[it] proxy switched to cert-manager's Secret %d ms after it was written%n",
        Duration.ofNanos(System.nanoTime() - issuedAt).toMillis());
    PrivateRegistry ready = namespace.awaitReady("demo", "Available");
    assertThat(ready.getStatus().certificateExpiry)
        .isEqualTo(issued.getNotAfter().toInstant().toString());
    ConfigMap caBundle = namespace.get(ConfigMap.class, names.caBundleConfigMap());
    assertThat(caBundle.getData().get(Keys.CA_CERT))
        .as("the CA bundle carries the issuer's CA from the Secret's ca.crt")
        .isEqualTo(certManager.caPem());
    assertSettled(namespace);

    try (RealNginx proxy = serveAsTheProxyWould(namespace, "issued")) {
      List<X509Certificate> chain = proxy.handshake(host, caBundle.getData().get(Keys.CA_CERT));
      assertThat(chain.get(0).getSerialNumber())
          .as("a client trusting only the CA bundle gets the issued certificate for " + host)
          .isEqualTo(issued.getSerialNumber());
    }

    // A renewal: cert-manager writes a new key and certificate into the same Secret.
    String hashBefore = tlsHash(namespace);
    long renewedAt = System.nanoTime();
    X509Certificate renewed = certManager.issue(namespace.name(), "demo");
    awaitServed(namespace, names.issuedTlsSecret(), hashBefore);
    Duration rolledAfter = Duration.ofNanos(System.nanoTime() - renewedAt);
    System.out.printf(
        "[it] renewal: the proxy's pod template changed %d ms after the Secret did%n",
        rolledAfter.toMillis());
    assertThat(rolledAfter)
        .as("the Secret is watched: the proxy rolls at once, not at the next periodic pass")
        .isLessThan(ROLL_LIMIT);
    try (RealNginx proxy = serveAsTheProxyWould(namespace, "renewed")) {
      assertThat(proxy.handshake(host, certManager.caPem()).get(0).getSerialNumber())
          .as("the rolled proxy serves the renewed certificate")
          .isEqualTo(renewed.getSerialNumber());
    }
    assertThat(warnings(namespace, null)).as("Warning Events").isEmpty();
    assertThat(events(namespace, "Normal", "ServedCertificateChanged"))
        .as("an Event for each roll: to the issued certificate, to the renewed one")
        .containsExactly(
            "Serving the certificate cert-manager issued into Secret 'demo-cert-manager-tls'; the"
                + " pod restarts to load it.",
            "Serving the certificate cert-manager issued into Secret 'demo-cert-manager-tls'; the"
                + " pod restarts to load it.");
  }

  @Test
  @Order(3)
  void withoutIssuerRefTheCertificateGoesAndTheOperatorsOwnCertificateIsServedAgain() {
    ensureCertManagerCrd();
    TestNamespace namespace = TestNamespace.create(API, "cert-manager-off");
    RegistryNames names = RegistryNames.of("demo");
    createRegistry(namespace, "demo", "{tls: {issuerRef: {name: team-ca}}}");
    namespace.awaitPresent(Certificate.class, names.certificate());
    certManager.issue(namespace.name(), "demo");
    awaitServed(namespace, names.issuedTlsSecret(), null);

    namespace
        .kube()
        .resources(PrivateRegistry.class)
        .inNamespace(namespace.name())
        .withName("demo")
        // A merge patch, as kubectl patch sends it: an edit carries the resourceVersion it read
        // and loses (409) to the operator's status write of the same moment.
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"tls\":{\"issuerRef\":null}}}");

    awaitServed(namespace, names.tlsSecret(), null);
    TestNamespace.await("the Certificate to be deleted")
        .until(() -> namespace.get(Certificate.class, names.certificate()) == null);
    String operatorCa =
        SecretData.decode(namespace.get(Secret.class, names.caSecret()), Keys.TLS_CERT)
            .orElseThrow();
    TestNamespace.await("the CA bundle to carry the operator's CA again")
        .until(
            () ->
                operatorCa.equals(
                    namespace
                        .get(ConfigMap.class, names.caBundleConfigMap())
                        .getData()
                        .get(Keys.CA_CERT)));
  }

  /** The user's own TLS Secret is watched as well: its rotation rolls the proxy at once. */
  @Test
  @Order(4)
  void aRotatedUserTlsSecretRollsTheProxyAtOnce() {
    TestNamespace namespace = TestNamespace.create(API, "user-tls");
    CertificateAuthority theirs = CertificateAuthority.generate("their CA", Clock.systemUTC());
    namespace.kube().resource(userTlsSecret(namespace, theirs)).create();
    createRegistry(namespace, "demo", "{tls: {secretName: own-cert}}");
    awaitServed(namespace, "own-cert", null);
    String hashBefore = tlsHash(namespace);

    long rotatedAt = System.nanoTime();
    namespace.kube().resource(userTlsSecret(namespace, theirs)).update();
    awaitServed(namespace, "own-cert", hashBefore);
    Duration rolledAfter = Duration.ofNanos(System.nanoTime() - rotatedAt);
    System.out.printf(
        "[it] user TLS Secret rotated: the pod template changed %d ms after%n",
        rolledAfter.toMillis());
    assertThat(rolledAfter)
        .as("the user's Secret is watched, not read every 10 minutes")
        .isLessThan(ROLL_LIMIT);
    TestNamespace.await("the Event of the roll")
        .until(
            () ->
                events(namespace, "Normal", "ServedCertificateChanged")
                    .equals(
                        List.of(
                            "The certificate in Secret 'own-cert' changed; the pod restarts to"
                                + " load it.")));
  }

  @Test
  @Order(5)
  void aSecretAndAnIssuerTogetherAreRefusedAtApplyOrByTheReconciler() {
    TestNamespace namespace = TestNamespace.create(API, "both");
    String both = "{tls: {secretName: own-cert, issuerRef: {name: team-ca}}}";
    String message = "spec.tls.secretName and spec.tls.issuerRef exclude each other";
    if (API.version().atLeast(1, 25)) {
      assertThatThrownBy(() -> createRegistry(namespace, "demo", both))
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> {
                assertThat(e.getCode()).isEqualTo(422);
                assertThat(e.getMessage()).contains(message);
              });
    } else {
      createRegistry(namespace, "demo", both);
      PrivateRegistry reported = namespace.awaitReady("demo", "InvalidSpec");
      assertThat(TestNamespace.ready(reported).orElseThrow().getMessage()).contains(message);
      assertThat(namespace.get(Certificate.class, "demo")).isNull();
    }
  }

  /**
   * Reconciles of a settled registry write nothing: the Certificate as the server stored it (under
   * a schema that prunes what it does not know) is what the operator renders. The reconciles are
   * real: the last change makes one that writes the status.
   */
  private static void assertSettled(TestNamespace namespace) throws InterruptedException {
    operator.awaitQuiet(namespace, Duration.ofSeconds(2));
    String certificateVersion =
        namespace.get(Certificate.class, "demo").getMetadata().getResourceVersion();
    long mark = operator.requests().mark();
    ConfigMap trigger = namespace.createReconcileTrigger(namespace.registry("demo"));
    for (int round = 1; round <= 3; round++) {
      Thread.sleep(1_000);
      trigger = namespace.pullTrigger(trigger, round);
    }
    Thread.sleep(1_000);
    assertThat(operator.requests().writesSince(mark, namespace.name()))
        .as("the operator's writes during 3 reconciles of a settled registry")
        .isEmpty();
    assertThat(namespace.get(Certificate.class, "demo").getMetadata().getResourceVersion())
        .isEqualTo(certificateVersion);
    namespace.setDeploymentAvailable("demo", false);
    namespace.awaitReady("demo", "DeploymentUnavailable");
    namespace.setDeploymentAvailable("demo", true);
    namespace.awaitReady("demo", "Available");
  }

  private static void ensureCertManagerCrd() {
    if (!CertManagerCrd.installed(API)) {
      CertManagerCrd.install(API);
    }
  }

  private static void createRegistry(TestNamespace namespace, String name, String spec) {
    namespace.create(
        """
        apiVersion: %s
        kind: PrivateRegistry
        metadata:
          name: %s
        spec: %s
        """
            .formatted(API_VERSION, name, spec));
  }

  private static Secret userTlsSecret(TestNamespace namespace, CertificateAuthority ca) {
    KeyAndCertificate pair =
        ca.issueServerCertificate(
            List.of("registry.example.test"), Duration.ofDays(30), Clock.systemUTC());
    return new SecretBuilder()
        .withNewMetadata()
        .withName("own-cert")
        .withNamespace(namespace.name())
        .endMetadata()
        .withType(Keys.TLS_SECRET_TYPE)
        .withData(
            SecretData.encode(
                Map.of(
                    Keys.TLS_CERT,
                    pair.certificatePem(),
                    Keys.TLS_KEY,
                    pair.keyPem(),
                    Keys.CA_CERT,
                    ca.keyAndCertificate().certificatePem())))
        .build();
  }

  /**
   * Waits until the Deployment's TLS volume is this Secret and, if {@code previousHash} is given,
   * its certificate hash differs from that one.
   */
  private static void awaitServed(TestNamespace namespace, String secret, String previousHash) {
    TestNamespace.await(
            "the proxy to serve Secret "
                + secret
                + (previousHash == null ? "" : " with a certificate other than " + previousHash))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                namespace.get(Deployment.class, "demo") != null
                    && secret.equals(servedSecretName(namespace))
                    && (previousHash == null || !previousHash.equals(tlsHash(namespace))));
  }

  private static String servedSecretName(TestNamespace namespace) {
    return tlsVolume(namespace.get(Deployment.class, "demo")).getSecret().getSecretName();
  }

  private static String tlsHash(TestNamespace namespace) {
    return namespace
        .get(Deployment.class, "demo")
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get(Keys.TLS_HASH_ANNOTATION);
  }

  private static Volume tlsVolume(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(volume -> "tls".equals(volume.getName()))
        .findFirst()
        .orElseThrow();
  }

  /**
   * A real nginx serving what the registry's pod would get: the keys the Deployment's TLS volume
   * projects, from the Secret it names, as they are now.
   */
  private RealNginx serveAsTheProxyWould(TestNamespace namespace, String name) throws Exception {
    Volume volume = tlsVolume(namespace.get(Deployment.class, "demo"));
    Secret served = namespace.get(Secret.class, volume.getSecret().getSecretName());
    AtomicReference<String> certificate = new AtomicReference<>();
    AtomicReference<String> key = new AtomicReference<>();
    for (var item : volume.getSecret().getItems()) {
      String content = SecretData.decode(served, item.getKey()).orElseThrow();
      if (item.getPath().equals(Keys.TLS_CERT)) {
        certificate.set(content);
      } else if (item.getPath().equals(Keys.TLS_KEY)) {
        key.set(content);
      }
    }
    return RealNginx.servingTls(
        Files.createDirectories(work.resolve(name)),
        Objects.requireNonNull(certificate.get(), "the TLS volume projects no tls.crt"),
        Objects.requireNonNull(key.get(), "the TLS volume projects no tls.key"));
  }

  /** Messages of the Warning Events in the namespace, of one reason or (null) all. */
  private static List<String> warnings(TestNamespace namespace, String reason) {
    return events(namespace, "Warning", reason);
  }

  /** Messages of the Events of a type in the namespace, of one reason or (null) all. */
  private static List<String> events(TestNamespace namespace, String type, String reason) {
    return namespace.kube().v1().events().inNamespace(namespace.name()).list().getItems().stream()
        .filter(event -> type.equals(event.getType()))
        .filter(event -> reason == null || reason.equals(event.getReason()))
        .map(Event::getMessage)
        .toList();
  }
}
