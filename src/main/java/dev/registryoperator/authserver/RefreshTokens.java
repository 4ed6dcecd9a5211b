package dev.registryoperator.authserver;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Optional;

/**
 * OAuth2 refresh tokens for the token endpoint (containerd asks for them). They are JWTs signed
 * with the token key, but can never pass as access tokens: their audience is the service with a
 * {@code #refresh} suffix, which the registry does not accept, their {@code typ} differs and they
 * grant no access. Each binds a digest of the user's htpasswd hash, checked on every use: a changed
 * password or a removed user ends every refresh token issued before, so no token is ever issued for
 * old credentials. A new signing key ends them too (clients log in again).
 */
public final class RefreshTokens {

  static final JOSEObjectType TYPE = new JOSEObjectType("refresh+jwt");

  static final String BINDING_CLAIM = "cred";

  private final String issuer;
  private final String audience;
  private final Duration lifetime;
  private final Clock clock;

  public RefreshTokens(String issuer, String service, Duration lifetime, Clock clock) {
    this.issuer = issuer;
    this.audience = service + "#refresh";
    this.lifetime = lifetime;
    this.clock = clock;
  }

  public String issue(SigningKey key, String username, String currentHash) {
    Instant now = clock.instant();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .subject(username)
            .audience(audience)
            .expirationTime(Date.from(now.plus(lifetime)))
            .notBeforeTime(Date.from(now.minus(TokenIssuer.CLOCK_SKEW)))
            .issueTime(Date.from(now))
            .jwtID(TokenIssuer.randomId())
            .claim(BINDING_CLAIM, binding(username, currentHash))
            .build();
    return TokenIssuer.sign(key, TYPE, claims);
  }

  /** The username the refresh token was issued to, when it is genuine, current and still bound. */
  public Optional<String> verify(SigningKey key, String token, HtpasswdEntries htpasswd) {
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())
          || !TYPE.equals(jwt.getHeader().getType())
          || !jwt.verify(key.verifier())) {
        return Optional.empty();
      }
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      Instant now = clock.instant();
      String username = claims.getSubject();
      if (!issuer.equals(claims.getIssuer())
          || claims.getAudience() == null
          || !claims.getAudience().equals(java.util.List.of(audience))
          || claims.getExpirationTime() == null
          || !now.isBefore(claims.getExpirationTime().toInstant())
          || (claims.getNotBeforeTime() != null
              && now.isBefore(claims.getNotBeforeTime().toInstant()))
          || username == null) {
        return Optional.empty();
      }
      Optional<String> hash = htpasswd.hash(username);
      Object bound = claims.getClaim(BINDING_CLAIM);
      if (hash.isEmpty()
          || !(bound instanceof String boundDigest)
          || !MessageDigest.isEqual(
              boundDigest.getBytes(StandardCharsets.US_ASCII),
              binding(username, hash.get()).getBytes(StandardCharsets.US_ASCII))) {
        return Optional.empty();
      }
      return Optional.of(username);
    } catch (ParseException | JOSEException | IllegalStateException e) {
      return Optional.empty();
    }
  }

  /**
   * A digest of the hash line, not the hash itself: the token travels to the client, and the hash
   * never leaves the server.
   */
  static String binding(String username, String hash) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      sha256.update("registry-operator refresh binding\0".getBytes(StandardCharsets.US_ASCII));
      sha256.update(username.getBytes(StandardCharsets.UTF_8));
      sha256.update((byte) 0);
      byte[] digest = sha256.digest(hash.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
