package dev.registryoperator.authserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.util.X509CertUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.registryoperator.access.AccessFile;
import dev.registryoperator.access.Action;
import dev.registryoperator.access.Grant;
import dev.registryoperator.access.Permissions;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mindrot.jbcrypt.BCrypt;

class TokenIssuerTest {

  private static TokenKeys keys;
  private static SigningKey signingKey;

  private final MutableClock clock = new MutableClock(Instant.parse("2025-03-01T12:00:00Z"));
  private final TokenIssuer issuer =
      new TokenIssuer("registry-auth", "registry.example", Duration.ofSeconds(300), clock);
  private final RefreshTokens refreshTokens =
      new RefreshTokens("registry-auth", "registry.example", Duration.ofHours(24), clock);

  private static final AccessFile RULES =
      AccessFile.of(
          List.of(new Grant(List.of("public/*"), List.of(Action.pull))),
          Map.of(
              "alice",
              new Permissions(
                  List.of(new Grant(List.of("team-a/*"), List.of(Action.pull, Action.push))),
                  false),
              "root",
              Permissions.UNRESTRICTED));

  @BeforeAll
  static void keys() {
    keys = TokenKeys.generate();
    signingKey = keys.signingKey();
  }

  @Test
  void signsWhatTheRegistryAcceptsAndEveryClaimIsThere() throws Exception {
    List<TokenScope> granted =
        TokenScope.parse(List.of("repository:team-a/app:pull,push")).stream()
            .map(s -> s.granted(RULES, Optional.of("alice")))
            .toList();

    TokenIssuer.IssuedToken issued = issuer.issue(signingKey, "alice", granted);

    SignedJWT jwt = SignedJWT.parse(issued.token());
    assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
    assertThat(jwt.getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
    // The signing certificate only: the registry trusts the CA and completes the chain itself.
    assertThat(jwt.getHeader().getX509CertChain()).hasSize(1);
    assertThat(X509CertUtils.parse(jwt.getHeader().getX509CertChain().get(0).decode()))
        .isEqualTo(keys.signer().certificate());
    assertThat(jwt.getHeader().getX509CertChain().get(0).toString()).doesNotContain("\n");
    assertThat(keys.ca().signed(keys.signer().certificate())).isTrue();
    assertThat(
            jwt.verify(new ECDSAVerifier((ECPublicKey) keys.signer().certificate().getPublicKey())))
        .isTrue();

    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    assertThat(claims.getIssuer()).isEqualTo("registry-auth");
    assertThat(claims.getSubject()).isEqualTo("alice");
    assertThat(claims.getIssueTime().toInstant()).isEqualTo(clock.instant());
    assertThat(claims.getExpirationTime().toInstant()).isEqualTo(clock.instant().plusSeconds(300));
    assertThat(claims.getNotBeforeTime().toInstant()).isBefore(clock.instant());
    assertThat(claims.getJWTID()).hasSizeGreaterThanOrEqualTo(16);
    assertThat(claims.getClaim("access"))
        .isEqualTo(
            List.of(
                Map.of(
                    "type",
                    "repository",
                    "name",
                    "team-a/app",
                    "actions",
                    List.of("pull", "push"))));
    assertThat(issued.expiresInSeconds()).isEqualTo(300);
    assertThat(issued.issuedAt()).isEqualTo(clock.instant());

    // Distribution 2.8 calls an audience array "malformed": it must be a single string
    String payload =
        new String(
            Base64.getUrlDecoder().decode(issued.token().split("\\.")[1]), StandardCharsets.UTF_8);
    assertThat(payload).contains("\"aud\":\"registry.example\"");
    assertThat(issuer.issue(signingKey, "alice", granted).token())
        .as("each token has its own jti")
        .isNotEqualTo(issued.token());
  }

  @Test
  void grantsTheRequestedActionsThatAreAllowedAndNothingElse() {
    List<TokenScope> requested =
        TokenScope.parse(
            List.of(
                "repository:team-a/app:pull,push,delete",
                "repository:team-b/app:pull",
                "repository:public/base:pull,push",
                "registry:catalog:*",
                "repository:team-a/all:*"));

    List<Map<String, Object>> alice =
        requested.stream().map(s -> s.granted(RULES, Optional.of("alice")).claim()).toList();
    assertThat(alice)
        .containsExactly(
            Map.of("type", "repository", "name", "team-a/app", "actions", List.of("pull", "push")),
            Map.of("type", "repository", "name", "team-b/app", "actions", List.of()),
            Map.of("type", "repository", "name", "public/base", "actions", List.of("pull")),
            Map.of("type", "registry", "name", "catalog", "actions", List.of()),
            Map.of("type", "repository", "name", "team-a/all", "actions", List.of("pull", "push")));

    List<Map<String, Object>> anonymous =
        requested.stream().map(s -> s.granted(RULES, Optional.empty()).claim()).toList();
    assertThat(anonymous.get(0).get("actions")).isEqualTo(List.of());
    assertThat(anonymous.get(2).get("actions")).isEqualTo(List.of("pull"));

    assertThat(requested.get(3).granted(RULES, Optional.of("root")).claim())
        .isEqualTo(Map.of("type", "registry", "name", "catalog", "actions", List.of("*")));
  }

  @Test
  void parsesTheOauthFormsSpaceSeparatedScopesAndDropsWhatItDoesNotKnow() {
    List<TokenScope> scopes =
        TokenScope.parse(
            List.of(
                "repository:a:pull repository:b:push",
                "repository:a:push",
                "repository:Bad..Name:pull",
                "repository(plugin):x:pull",
                "registry:other:*",
                "nonsense",
                "repository:host:5000/x:pull"));
    assertThat(scopes)
        .containsExactly(
            new TokenScope("repository", "a", java.util.Set.of("pull", "push")),
            new TokenScope("repository", "b", java.util.Set.of("push")));
  }

  @Test
  void aRefreshTokenWorksUntilThePasswordChangesOrTheUserGoes() throws Exception {
    String hash = BCrypt.hashpw("old", BCrypt.gensalt(4));
    HtpasswdEntries before = HtpasswdEntries.parse("alice:" + hash + "\n");
    String refresh = refreshTokens.issue(signingKey, "alice", hash);

    assertThat(refreshTokens.verify(signingKey, refresh, before)).contains("alice");

    HtpasswdEntries changed =
        HtpasswdEntries.parse("alice:" + BCrypt.hashpw("new", BCrypt.gensalt(4)) + "\n");
    assertThat(refreshTokens.verify(signingKey, refresh, changed)).isEmpty();
    assertThat(refreshTokens.verify(signingKey, refresh, HtpasswdEntries.EMPTY)).isEmpty();

    // it can never pass as an access token: another audience, another type, no access claim
    SignedJWT jwt = SignedJWT.parse(refresh);
    assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly("registry.example#refresh");
    assertThat(jwt.getHeader().getType()).isNotEqualTo(JOSEObjectType.JWT);
    assertThat(jwt.getJWTClaimsSet().getClaim("access")).isNull();
    assertThat(refresh).doesNotContain(hash.substring(7));
  }

  @Test
  void aRefreshTokenExpiresAndOnlyOursAreAccepted() {
    String hash = BCrypt.hashpw("pw", BCrypt.gensalt(4));
    HtpasswdEntries users = HtpasswdEntries.parse("alice:" + hash + "\n");
    String refresh = refreshTokens.issue(signingKey, "alice", hash);

    SigningKey otherKey = TokenKeys.generate().signingKey();
    assertThat(refreshTokens.verify(otherKey, refresh, users)).isEmpty();
    assertThat(refreshTokens.verify(signingKey, "not.a.jwt", users)).isEmpty();
    String access = issuer.issue(signingKey, "alice", List.of()).token();
    assertThat(refreshTokens.verify(signingKey, access, users))
        .as("an access token is no refresh token")
        .isEmpty();

    clock.advance(Duration.ofHours(24));
    assertThat(refreshTokens.verify(signingKey, refresh, users)).isEmpty();
  }

  @Test
  void refusesKeysThatCannotSignEs256WithTheirCertificate() {
    TokenKeys other = TokenKeys.generate();
    assertThatThrownBy(() -> SigningKey.parse(keys.keyPem(), other.chainPem()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not belong");
    assertThatThrownBy(() -> SigningKey.parse("garbage", keys.chainPem()))
        .isInstanceOf(IllegalArgumentException.class)
        .message()
        .doesNotContain("garbage");
    assertThatThrownBy(() -> SigningKey.parse(keys.keyPem(), ""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(signingKey.toString()).doesNotContain("PRIVATE");
  }
}
