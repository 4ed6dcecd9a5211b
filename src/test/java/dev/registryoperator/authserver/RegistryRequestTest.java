package dev.registryoperator.authserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.access.AccessFile;
import dev.registryoperator.access.Action;
import dev.registryoperator.access.Grant;
import dev.registryoperator.access.Permissions;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RegistryRequestTest {

  private static final String DIGEST =
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  @ParameterizedTest(name = "{0} {1} needs {3} on {2}")
  @CsvSource({
    "GET,    /v2/app/manifests/latest,                 app,                pull",
    "HEAD,   /v2/app/manifests/latest,                 app,                pull",
    "PUT,    /v2/app/manifests/v1.2.3,                 app,                push",
    "DELETE, /v2/app/manifests/" + DIGEST + ",         app,                delete",
    "GET,    /v2/team-a/tools/app/manifests/" + DIGEST + ", team-a/tools/app, pull",
    "GET,    /v2/app/blobs/" + DIGEST + ",             app,                pull",
    "HEAD,   /v2/app/blobs/" + DIGEST + ",             app,                pull",
    "DELETE, /v2/app/blobs/" + DIGEST + ",             app,                delete",
    "GET,    /v2/app/tags/list,                        app,                pull",
    "GET,    /v2/app/tags/list?n=10&last=v1,           app,                pull",
    "GET,    /v2/app/referrers/" + DIGEST + ",         app,                pull",
    "POST,   /v2/app/blobs/uploads/,                   app,                pull+push",
    "POST,   /v2/app/blobs/uploads,                    app,                pull+push",
    "PATCH,  /v2/app/blobs/uploads/0f4a-bc_1.x=,       app,                pull+push",
    "PUT,    /v2/app/blobs/uploads/0f4a?digest=" + DIGEST + ", app,       pull+push",
    "GET,    /v2/app/blobs/uploads/0f4a,               app,                pull+push",
    "DELETE, /v2/app/blobs/uploads/0f4a,               app,                pull+push",
    // names with route words inside split the way the registry's anchored routes split them
    "GET,    /v2/a/manifests/b/manifests/c,            a/manifests/b,      pull",
    "GET,    /v2/x/blobs/uploads/manifests/latest,     x/blobs/uploads,    pull",
    "POST,   /v2/x/blobs/blobs/uploads/,               x/blobs,            pull+push",
    "GET,    /v2/x/manifests/tags/list,                x/manifests,        pull",
    // a digest's ':' may arrive escaped
    "GET,    /v2/app/blobs/sha256%3A0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef, app, pull",
    "GET,    /v2/my.org/team__a/app-x/a--b/manifests/latest, my.org/team__a/app-x/a--b, pull",
  })
  void mapsRegistryRoutesToTheActionsTheyNeed(
      String method, String uri, String repository, String actions) {
    Optional<RegistryRequest> request = RegistryRequest.parse(method, uri, null);

    Set<Action> expected =
        Arrays.stream(actions.split("\\+"))
            .map(Action::valueOf)
            .collect(Collectors.toCollection(() -> EnumSet.noneOf(Action.class)));
    assertThat(request)
        .contains(new RegistryRequest.OnRepository(repository, expected, false, List.of()));
  }

  @Test
  void theBaseAndTheCatalogAreTheirOwnKinds() {
    assertThat(RegistryRequest.parse("GET", "/v2/", null)).contains(new RegistryRequest.Base());
    assertThat(RegistryRequest.parse("HEAD", "/v2/", null)).contains(new RegistryRequest.Base());
    assertThat(RegistryRequest.parse("GET", "/v2/_catalog", null))
        .contains(new RegistryRequest.Catalog());
    assertThat(RegistryRequest.parse("GET", "/v2/_catalog?n=100&last=a", null))
        .contains(new RegistryRequest.Catalog());
  }

  @ParameterizedTest
  @CsvSource({
    // unknown or malformed paths
    "GET,     /",
    "GET,     /v2",
    "GET,     /v1/app/manifests/latest",
    "GET,     /v2/app",
    "GET,     /v2/app/manifests/",
    "GET,     /v2/app/manifests",
    "GET,     /v2/app/foo/latest",
    "GET,     /v2/app/blobs/latest",
    "GET,     /v2/app/blobs/uploads/sha256:abc",
    "GET,     /v2/app/tags/all",
    "GET,     /v2/app/referrers/latest",
    "GET,     /metrics",
    "GET,     /v2/_catalog/x",
    "GET,     /v2/blobs/uploads/",
    // invalid repository names
    "GET,     /v2/App/manifests/latest",
    "GET,     /v2/-app/manifests/latest",
    "GET,     /v2/app-/manifests/latest",
    "GET,     /v2/a..b/manifests/latest",
    "GET,     /v2/a___b/manifests/latest",
    "GET,     /v2//app/manifests/latest",
    "GET,     /v2/app//x/manifests/latest",
    "GET,     /v2/_catalog/manifests/latest",
    "GET,     /v2/app/manifests/-latest",
    // traversal and escapes
    "GET,     /v2/../v2/app/manifests/latest",
    "GET,     /v2/public/../private/manifests/latest",
    "GET,     /v2/public/./x/manifests/latest",
    "GET,     /v2/public%2Fx/manifests/latest",
    "GET,     /v2/public%2fx/manifests/latest",
    "GET,     /v2/public/%2E%2E/private/manifests/latest",
    "GET,     /v2/app/manifests/latest%00",
    "GET,     /v2/app/manifests/%253A",
    "GET,     /v2/app\\x/manifests/latest",
    "GET,     /v2/app/manifests/latest#x",
    // methods a route does not have
    "POST,    /v2/app/manifests/latest",
    "PATCH,   /v2/app/manifests/latest",
    "PUT,     /v2/app/blobs/" + DIGEST,
    "POST,    /v2/app/tags/list",
    "DELETE,  /v2/app/tags/list",
    "DELETE,  /v2/",
    "POST,    /v2/_catalog",
    "HEAD,    /v2/app/blobs/uploads/x",
    "OPTIONS, /v2/app/manifests/latest",
    "get,     /v2/app/manifests/latest",
  })
  void refusesWhatIsNotARegistryRequest(String method, String uri) {
    assertThat(RegistryRequest.parse(method, uri, null)).isEmpty();
  }

  @Test
  void refusesMissingValuesAndOverlongInput() {
    assertThat(RegistryRequest.parse(null, "/v2/", null)).isEmpty();
    assertThat(RegistryRequest.parse("GET", null, null)).isEmpty();
    assertThat(RegistryRequest.parse("GET", "/v2/" + "a".repeat(256) + "/manifests/x", null))
        .isEmpty();
    assertThat(RegistryRequest.parse("GET", "/v2/" + "a".repeat(255) + "/manifests/x", null))
        .isPresent();
    assertThat(RegistryRequest.parse("GET", "/v2/app/manifests/" + "t".repeat(129), null))
        .isEmpty();
  }

  @Test
  void readsMountSourcesAsGoDecodesThem() {
    assertThat(mount("/v2/app/blobs/uploads/?mount=" + DIGEST + "&from=team%2Fbase"))
        .isEqualTo(
            new RegistryRequest.OnRepository(
                "app", EnumSet.of(Action.pull, Action.push), true, List.of("team/base")));
    assertThat(mount("/v2/app/blobs/uploads/?fr%6Fm=secret&mount=" + DIGEST).mountSources())
        .containsExactly("secret");
    assertThat(mount("/v2/app/blobs/uploads/?mount=" + DIGEST).mountRequested()).isTrue();
    assertThat(mount("/v2/app/blobs/uploads/?mount=" + DIGEST).mountSources()).isEmpty();
    assertThat(mount("/v2/app/blobs/uploads/?from=a&from=b&mount=x").mountSources())
        .containsExactly("a", "b");
    // what we cannot read exactly as the registry would becomes an unreadable source
    assertThat(mount("/v2/app/blobs/uploads/?mount=x&from=a;from=secret").mountSources())
        .containsExactly("");
    assertThat(mount("/v2/app/blobs/uploads/?mount=x&from=%zz").mountSources()).containsExactly("");
    // no mount: a plain upload start, or a monolithic one with a digest
    assertThat(mount("/v2/app/blobs/uploads/").mountRequested()).isFalse();
    assertThat(mount("/v2/app/blobs/uploads/?digest=" + DIGEST).mountRequested()).isFalse();
    // only an upload start can mount
    assertThat(
            ((RegistryRequest.OnRepository)
                    RegistryRequest.parse("PUT", "/v2/app/blobs/uploads/u1?mount=x&from=y", null)
                        .orElseThrow())
                .mountRequested())
        .isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "application/x-www-form-urlencoded",
        "Application/X-WWW-Form-Urlencoded; charset=utf-8",
        "multipart/form-data; boundary=x"
      })
  void refusesAnUploadStartWithAFormBodyTheRegistryWouldReadMountParametersFrom(String type) {
    assertThat(RegistryRequest.parse("POST", "/v2/app/blobs/uploads/", type)).isEmpty();
    assertThat(RegistryRequest.parse("POST", "/v2/app/blobs/uploads/", "application/octet-stream"))
        .isPresent();
    assertThat(RegistryRequest.parse("PATCH", "/v2/app/blobs/uploads/u1", type)).isPresent();
  }

  private static RegistryRequest.OnRepository mount(String uri) {
    return (RegistryRequest.OnRepository) RegistryRequest.parse("POST", uri, null).orElseThrow();
  }

  // ---- decisions ------------------------------------------------------------------------------

  private static final AccessFile RULES =
      AccessFile.of(
          List.of(new Grant(List.of("public/*"), List.of(Action.pull))),
          Map.of(
              "alice",
              new Permissions(
                  List.of(
                      new Grant(List.of("team-a/*"), List.of(Action.pull, Action.push)),
                      new Grant(List.of("pushonly"), List.of(Action.push))),
                  false),
              "root",
              Permissions.UNRESTRICTED));

  private static AccessDecision decide(String method, String uri, String user) {
    return AccessDecision.decide(
        RegistryRequest.parse(method, uri, null).orElseThrow(), Optional.ofNullable(user), RULES);
  }

  @Test
  void decidesByTheUsersGrantsAndTheAnonymousOnes() {
    assertThat(decide("GET", "/v2/", "alice")).isEqualTo(AccessDecision.ALLOW);
    assertThat(decide("GET", "/v2/", null)).isEqualTo(AccessDecision.DENY);
    assertThat(decide("GET", "/v2/_catalog", "root")).isEqualTo(AccessDecision.ALLOW);
    assertThat(decide("GET", "/v2/_catalog", "alice")).isEqualTo(AccessDecision.DENY);
    assertThat(decide("GET", "/v2/_catalog", null)).isEqualTo(AccessDecision.DENY);
    assertThat(decide("PUT", "/v2/team-a/app/manifests/v1", "alice"))
        .isEqualTo(AccessDecision.ALLOW);
    assertThat(decide("DELETE", "/v2/team-a/app/manifests/v1", "alice"))
        .isEqualTo(AccessDecision.DENY);
    assertThat(decide("GET", "/v2/public/base/manifests/v1", null)).isEqualTo(AccessDecision.ALLOW);
    assertThat(decide("GET", "/v2/public/base/manifests/v1", "alice"))
        .isEqualTo(AccessDecision.ALLOW);
    assertThat(decide("PUT", "/v2/public/base/manifests/v1", "alice"))
        .isEqualTo(AccessDecision.DENY);
    assertThat(decide("GET", "/v2/team-b/app/manifests/v1", "alice"))
        .isEqualTo(AccessDecision.DENY);
    assertThat(decide("GET", "/v2/team-a/app/manifests/v1", "mallory"))
        .isEqualTo(AccessDecision.DENY);
  }

  @Test
  void uploadsNeedPullAsWellAsPush() {
    assertThat(decide("PUT", "/v2/pushonly/manifests/v1", "alice")).isEqualTo(AccessDecision.ALLOW);
    assertThat(decide("POST", "/v2/pushonly/blobs/uploads/", "alice"))
        .isEqualTo(AccessDecision.DENY);
    assertThat(decide("POST", "/v2/team-a/app/blobs/uploads/", "alice"))
        .isEqualTo(AccessDecision.ALLOW);
  }

  @Test
  void aMountFromARepositoryTheClientMayNotPullIsStrippedNotRefused() {
    String upload = "/v2/team-a/app/blobs/uploads/?mount=" + DIGEST + "&from=";
    assertThat(decide("POST", upload + "team-a%2Fother", "alice")).isEqualTo(AccessDecision.ALLOW);
    assertThat(decide("POST", upload + "public/base", "alice")).isEqualTo(AccessDecision.ALLOW);
    assertThat(decide("POST", upload + "team-b/secret", "alice"))
        .isEqualTo(AccessDecision.ALLOW_WITHOUT_MOUNT);
    assertThat(decide("POST", upload + "pushonly", "alice"))
        .isEqualTo(AccessDecision.ALLOW_WITHOUT_MOUNT);
    assertThat(decide("POST", upload + "Not..Valid", "alice"))
        .isEqualTo(AccessDecision.ALLOW_WITHOUT_MOUNT);
    assertThat(decide("POST", upload + "team-a/x&from=team-b/secret", "alice"))
        .isEqualTo(AccessDecision.ALLOW_WITHOUT_MOUNT);
    assertThat(decide("POST", "/v2/team-a/app/blobs/uploads/?mount=" + DIGEST, "alice"))
        .isEqualTo(AccessDecision.ALLOW_WITHOUT_MOUNT);
    // the upload itself still needs its own permissions
    assertThat(decide("POST", "/v2/team-b/app/blobs/uploads/?mount=x&from=team-a/app", "alice"))
        .isEqualTo(AccessDecision.DENY);
  }
}
