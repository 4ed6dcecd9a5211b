package dev.registryoperator.authserver;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.util.Base64;
import dev.registryoperator.tls.KeyAndCertificate;
import dev.registryoperator.tls.Pem;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.List;

/**
 * The token signing key with its certificate chain, parsed once per file change: the ES256 signer
 * and verifier and the {@code x5c} header value are built here, not per token.
 */
public final class SigningKey {

  private final JWSSigner signer;
  private final JWSVerifier verifier;
  private final List<Base64> x5c;
  private final X509Certificate certificate;

  private SigningKey(
      JWSSigner signer, JWSVerifier verifier, List<Base64> x5c, X509Certificate certificate) {
    this.signer = signer;
    this.verifier = verifier;
    this.x5c = List.copyOf(x5c);
    this.certificate = certificate;
  }

  /**
   * Reads a PKCS#8 EC P-256 key and a PEM chain (signing certificate first, then its CA).
   *
   * @throws IllegalArgumentException when either does not parse, the key is not EC, or the key does
   *     not belong to the first certificate; the message never quotes the input
   */
  public static SigningKey parse(String keyPem, String chainPem) {
    PrivateKey key = Pem.privateKey(keyPem);
    if (!(key instanceof ECPrivateKey ecKey)) {
      throw new IllegalArgumentException("the token key is not an EC key");
    }
    if (!Curve.P_256.equals(Curve.forECParameterSpec(ecKey.getParams()))) {
      throw new IllegalArgumentException("the token key is not on the P-256 curve (ES256)");
    }
    List<X509Certificate> chain = chain(chainPem);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("the token certificate file holds no certificate");
    }
    X509Certificate certificate = chain.get(0);
    if (!new KeyAndCertificate(certificate, key).keyMatchesCertificate()
        || !(certificate.getPublicKey() instanceof ECPublicKey publicKey)) {
      throw new IllegalArgumentException("the token key does not belong to the first certificate");
    }
    try {
      // The signing certificate alone: the registry trusts the CA (its rootcertbundle) and builds
      // the chain itself. With the CA in x5c too, Distribution 2.8 checked the leaf's signature
      // twice on every request - about 100 µs of its CPU per request, measured.
      List<Base64> x5c = List.of(Base64.encode(certificate.getEncoded()));
      return new SigningKey(new ECDSASigner(ecKey), new ECDSAVerifier(publicKey), x5c, certificate);
    } catch (JOSEException | CertificateEncodingException e) {
      throw new IllegalArgumentException("the token key cannot sign ES256 (P-256 needed)");
    }
  }

  private static List<X509Certificate> chain(String pem) {
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      List<X509Certificate> chain = new ArrayList<>();
      factory
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
          .forEach(c -> chain.add((X509Certificate) c));
      return chain;
    } catch (CertificateException e) {
      throw new IllegalArgumentException("the token certificate file does not parse");
    }
  }

  JWSSigner signer() {
    return signer;
  }

  JWSVerifier verifier() {
    return verifier;
  }

  List<Base64> x5c() {
    return x5c;
  }

  public X509Certificate certificate() {
    return certificate;
  }

  @Override
  public String toString() {
    return "SigningKey[" + certificate.getSubjectX500Principal() + "]";
  }
}
