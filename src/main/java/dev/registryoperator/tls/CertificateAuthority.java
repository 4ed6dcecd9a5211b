package dev.registryoperator.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The operator's own CA of one registry. ECDSA P-256 throughout: small, fast to generate and
 * accepted by nginx, the registry, Go and Java clients.
 */
public final class CertificateAuthority {

  static final Duration CA_VALIDITY = Duration.ofDays(3650);

  /** Tolerates clocks of clients that run a little behind ours. */
  static final Duration BACKDATE = Duration.ofMinutes(5);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyAndCertificate ca;

  public CertificateAuthority(KeyAndCertificate ca) {
    this.ca = ca;
  }

  public static CertificateAuthority generate(String commonName, Clock clock) {
    try {
      KeyPair keys = newKeyPair();
      X500Principal subject = new X500Principal("CN=" + commonName + ",O=registry-operator");
      Instant now = clock.instant();
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  subject,
                  serialNumber(),
                  Date.from(now.minus(BACKDATE)),
                  Date.from(now.plus(CA_VALIDITY)),
                  subject,
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(keys.getPublic()));
      X509Certificate certificate = sign(builder, keys);
      return new CertificateAuthority(new KeyAndCertificate(certificate, keys.getPrivate()));
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot generate a CA", e);
    }
  }

  public KeyAndCertificate keyAndCertificate() {
    return ca;
  }

  public X509Certificate certificate() {
    return ca.certificate();
  }

  /** Issues a TLS server certificate for the given DNS names, signed by this CA. */
  public KeyAndCertificate issueServerCertificate(
      List<String> dnsNames, Duration validity, Clock clock) {
    if (dnsNames.isEmpty()) {
      throw new IllegalArgumentException("a server certificate needs at least one DNS name");
    }
    GeneralNames subjectAltNames =
        new GeneralNames(
            dnsNames.stream()
                .map(name -> new GeneralName(GeneralName.dNSName, name))
                .toArray(GeneralName[]::new));
    return issueLeaf(
        new X500Principal("CN=" + dnsNames.get(0)),
        validity,
        clock,
        "server certificate",
        builder ->
            builder
                .addExtension(
                    Extension.extendedKeyUsage,
                    false,
                    new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                .addExtension(Extension.subjectAlternativeName, false, subjectAltNames));
  }

  /**
   * Issues a certificate for signing the registry's bearer tokens. The registry trusts this CA for
   * tokens, so a new signing certificate from it is trusted at once, without a registry restart.
   */
  public KeyAndCertificate issueSigningCertificate(
      String commonName, Duration validity, Clock clock) {
    return issueLeaf(
        new X500Principal("CN=" + commonName + ",O=registry-operator"),
        validity,
        clock,
        "token signing certificate",
        builder -> {});
  }

  /** What a kind of leaf certificate adds to the extensions every leaf of this CA has. */
  @FunctionalInterface
  private interface LeafPurpose {
    void addTo(X509v3CertificateBuilder builder) throws CertIOException;
  }

  /** A new key and an end-entity certificate for it, signed by this CA, for digital signatures. */
  private KeyAndCertificate issueLeaf(
      X500Principal subject, Duration validity, Clock clock, String what, LeafPurpose purpose) {
    try {
      KeyPair keys = newKeyPair();
      Instant now = clock.instant();
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  ca.certificate(),
                  serialNumber(),
                  Date.from(now.minus(BACKDATE)),
                  notAfter(now.plus(validity)),
                  subject,
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(keys.getPublic()))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  extensions.createAuthorityKeyIdentifier(ca.certificate()));
      purpose.addTo(builder);
      X509Certificate certificate = sign(builder, new KeyPair(null, ca.key()));
      return new KeyAndCertificate(certificate, keys.getPrivate());
    } catch (GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot issue a " + what, e);
    }
  }

  /** A certificate cannot outlive its issuer: clients would reject it after the CA expires. */
  private Date notAfter(Instant wanted) {
    Date caExpiry = ca.certificate().getNotAfter();
    return wanted.isAfter(caExpiry.toInstant()) ? caExpiry : Date.from(wanted);
  }

  /** True when the certificate was signed by this CA's key. */
  public boolean signed(X509Certificate certificate) {
    try {
      return CheckedPairs.check(
          "ca-signed-certificate",
          ca.certificate().getEncoded(),
          certificate.getEncoded(),
          () -> verifiedBy(ca.certificate(), certificate));
    } catch (CertificateEncodingException e) {
      return false;
    }
  }

  private static boolean verifiedBy(X509Certificate issuer, X509Certificate certificate) {
    try {
      PublicKey caKey = issuer.getPublicKey();
      certificate.verify(caKey);
      return certificate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  /** 127 random bits: positive and unique, as RFC 5280 asks. */
  private static BigInteger serialNumber() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(
                  new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }
}
