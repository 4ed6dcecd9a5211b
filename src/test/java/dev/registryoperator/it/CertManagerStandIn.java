package dev.registryoperator.it;

import dev.registryoperator.kube.SecretData;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.CertificateCondition;
import io.fabric8.certmanager.api.model.v1.CertificateConditionBuilder;
import io.fabric8.certmanager.api.model.v1.CertificateStatus;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Plays cert-manager with a CA issuer for one test class: it signs what a Certificate asks for with
 * a CA of its own (Bouncy Castle, RSA as cert-manager's default), writes the Secret the Certificate
 * names the way cert-manager does (kubernetes.io/tls; tls.crt, tls.key in PKCS#1, ca.crt;
 * cert-manager's annotations) and reports on the Certificate's status. Nothing here is the
 * operator's code: the operator's own CA never signs what this issues.
 */
final class CertManagerStandIn {

  private static final String FIELD_MANAGER = "cert-manager-certificates-issuing";

  private final KubernetesClient kube;
  private final KeyPair caKeys;
  private final X509Certificate caCertificate;
  private final SecureRandom random = new SecureRandom();

  CertManagerStandIn(KubernetesClient kube) {
    this.kube = kube;
    this.caKeys = rsaKeys();
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    X500Name name = new X500Name("CN=stand-in cert-manager CA");
    this.caCertificate =
        sign(
            new JcaX509v3CertificateBuilder(
                name,
                serial(),
                Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(Duration.ofDays(365))),
                name,
                caKeys.getPublic()),
            true,
            List.of());
  }

  /** The CA's certificate in PEM: what clients of an issued certificate trust. */
  String caPem() {
    return pem(caCertificate);
  }

  /** Says, as cert-manager would while it cannot issue, why the Certificate is not Ready. */
  void reportNotReady(String namespace, String name, String reason, String message) {
    writeStatus(namespace, name, condition("False", reason, message), null);
  }

  /**
   * Issues what the Certificate asks for now: a new key and certificate for its dnsNames, written
   * into its Secret, then Ready=True. Returns the issued certificate.
   */
  X509Certificate issue(String namespace, String name) {
    Certificate wanted =
        kube.resources(Certificate.class).inNamespace(namespace).withName(name).get();
    if (wanted == null) {
      throw new IllegalStateException("no Certificate " + namespace + "/" + name);
    }
    KeyPair keys = rsaKeys();
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant notAfter = now.plus(wanted.getSpec().getDuration().getDuration());
    List<String> dnsNames = wanted.getSpec().getDnsNames();
    X509Certificate issued =
        sign(
            new JcaX509v3CertificateBuilder(
                new X500Name(caCertificate.getSubjectX500Principal().getName()),
                serial(),
                Date.from(now.minus(Duration.ofMinutes(1))),
                Date.from(notAfter),
                new X500Name("CN=" + dnsNames.get(0)),
                keys.getPublic()),
            false,
            dnsNames);
    Map<String, String> data = new LinkedHashMap<>();
    data.put("tls.crt", pem(issued));
    data.put("tls.key", pem(keys.getPrivate()));
    data.put("ca.crt", caPem());
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put("cert-manager.io/certificate-name", name);
    annotations.put("cert-manager.io/issuer-name", wanted.getSpec().getIssuerRef().getName());
    annotations.put("cert-manager.io/issuer-kind", wanted.getSpec().getIssuerRef().getKind());
    annotations.put("cert-manager.io/alt-names", String.join(",", dnsNames));
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName(wanted.getSpec().getSecretName())
            .withNamespace(namespace)
            .withAnnotations(annotations)
            .endMetadata()
            .withType("kubernetes.io/tls")
            .withData(SecretData.encode(data))
            .build();
    kube.resource(secret).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    writeStatus(
        namespace,
        name,
        condition("True", "Ready", "Certificate is up to date and has not expired"),
        notAfter);
    return issued;
  }

  private void writeStatus(
      String namespace, String name, CertificateCondition ready, Instant notAfter) {
    kube.resources(Certificate.class)
        .inNamespace(namespace)
        .withName(name)
        .editStatus(
            certificate -> {
              CertificateStatus status =
                  certificate.getStatus() == null
                      ? new CertificateStatus()
                      : certificate.getStatus();
              List<CertificateCondition> conditions = new ArrayList<>();
              conditions.add(ready);
              status.setConditions(conditions);
              if (notAfter != null) {
                status.setNotAfter(notAfter.toString());
                status.setRevision(status.getRevision() == null ? 1 : status.getRevision() + 1);
              }
              certificate.setStatus(status);
              return certificate;
            });
  }

  private static CertificateCondition condition(String status, String reason, String message) {
    return new CertificateConditionBuilder()
        .withType("Ready")
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
        .build();
  }

  private X509Certificate sign(
      JcaX509v3CertificateBuilder builder, boolean ca, List<String> dnsNames) {
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      builder.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(
              ca
                  ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                  : KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      if (!dnsNames.isEmpty()) {
        builder.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(
                dnsNames.stream()
                    .map(dnsName -> new GeneralName(GeneralName.dNSName, dnsName))
                    .toArray(GeneralName[]::new)));
      }
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(
                  new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate())));
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("the stand-in could not sign", e);
    }
  }

  private BigInteger serial() {
    return new BigInteger(64, random).abs().add(BigInteger.ONE);
  }

  private static KeyPair rsaKeys() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** PEM as cert-manager writes it; an RSA private key comes out as PKCS#1, its default. */
  private static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
