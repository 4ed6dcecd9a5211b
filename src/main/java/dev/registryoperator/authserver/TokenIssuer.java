package dev.registryoperator.authserver;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/**
 * Signs the registry's bearer tokens: ES256 with the {@code x5c} chain the registry verifies
 * against its {@code rootcertbundle}, {@code aud} a single string (Distribution 2.8 calls an array
 * "malformed"), and {@code nbf} a little in the past for clients and registry with skewed clocks.
 */
public final class TokenIssuer {

  /** Tolerance for clocks a little ahead of ours. */
  static final Duration CLOCK_SKEW = Duration.ofSeconds(10);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final String issuer;
  private final String service;
  private final Duration lifetime;
  private final Clock clock;

  public TokenIssuer(String issuer, String service, Duration lifetime, Clock clock) {
    this.issuer = issuer;
    this.service = service;
    this.lifetime = lifetime;
    this.clock = clock;
  }

  public record IssuedToken(String token, Instant issuedAt, long expiresInSeconds) {
    @Override
    public String toString() {
      return "IssuedToken[issued " + issuedAt + "]";
    }
  }

  public String service() {
    return service;
  }

  public String issuer() {
    return issuer;
  }

  /** An access token for the subject ("" for anonymous) with the granted scopes. */
  public IssuedToken issue(SigningKey key, String subject, List<TokenScope> granted) {
    Instant now = clock.instant();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .subject(subject)
            .audience(service)
            .expirationTime(Date.from(now.plus(lifetime)))
            .notBeforeTime(Date.from(now.minus(CLOCK_SKEW)))
            .issueTime(Date.from(now))
            .jwtID(randomId())
            .claim("access", granted.stream().map(TokenScope::claim).toList())
            .build();
    return new IssuedToken(sign(key, JOSEObjectType.JWT, claims), now, lifetime.toSeconds());
  }

  static String sign(SigningKey key, JOSEObjectType type, JWTClaimsSet claims) {
    JWSHeader header =
        new JWSHeader.Builder(JWSAlgorithm.ES256).type(type).x509CertChain(key.x5c()).build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(key.signer());
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a token", e);
    }
    return jwt.serialize();
  }

  static String randomId() {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(id);
  }
}
