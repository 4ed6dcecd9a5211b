package dev.registryoperator.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Optional;

/** A certificate with its private key, as stored in a kubernetes.io/tls Secret. */
public record KeyAndCertificate(X509Certificate certificate, PrivateKey key) {

  public static KeyAndCertificate fromPem(String certificatePem, String keyPem) {
    return new KeyAndCertificate(Pem.certificate(certificatePem), Pem.privateKey(keyPem));
  }

  public String certificatePem() {
    return Pem.encode(certificate);
  }

  public String keyPem() {
    return Pem.encode(key);
  }

  /**
   * Signs a probe with the key and verifies it with the certificate: true when they belong
   * together.
   */
  public boolean keyMatchesCertificate() {
    byte[] encodedCertificate;
    try {
      encodedCertificate = certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      return false;
    }
    byte[] encodedKey = key.getEncoded();
    if (encodedKey == null) {
      return probeSignatureVerifies();
    }
    return CheckedPairs.check(
        "key-matches-certificate", encodedKey, encodedCertificate, this::probeSignatureVerifies);
  }

  private boolean probeSignatureVerifies() {
    byte[] probe = "registry-operator key check".getBytes(StandardCharsets.US_ASCII);
    Optional<String> algorithm = signatureAlgorithm(key);
    if (algorithm.isEmpty()) {
      return false;
    }
    try {
      Signature signer = Signature.getInstance(algorithm.get());
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      signer.initVerify(certificate.getPublicKey());
      signer.update(probe);
      return signer.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * Our own keys are ECDSA, but a user-supplied certificate (spec.tls.secretName, e.g. from
   * cert-manager) is as often RSA, or Ed25519.
   */
  private static Optional<String> signatureAlgorithm(PrivateKey key) {
    return switch (key.getAlgorithm()) {
      case "EC", "ECDSA" -> Optional.of("SHA256withECDSA");
      case "RSA" -> Optional.of("SHA256withRSA");
      case "Ed25519", "EdDSA" -> Optional.of("Ed25519");
      default -> Optional.empty();
    };
  }

  @Override
  public String toString() {
    // A record prints its components by default; the key must never reach a log.
    return "KeyAndCertificate[" + certificate.getSubjectX500Principal() + "]";
  }
}
