package dev.registryoperator.testing;

import dev.registryoperator.RegistryOperator;
import dev.registryoperator.api.v1alpha1.AuthSpec;
import dev.registryoperator.api.v1alpha1.ExternalTokenSpec;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistrySpec;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.naming.UserSecretNames;
import dev.registryoperator.registry.model.AuthFiles;
import dev.registryoperator.roster.Htpasswd;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Custom resources as the API server would hand them to the operator. The spec is left to the Java
 * field initializers, which carry the same defaults as the CRD schema.
 */
public final class Fixtures {

  /** The operator image deploy/ installs, which registry pods run their auth server from. */
  public static final String OPERATOR_IMAGE = RegistryOperator.Settings.DEFAULT_OPERATOR_IMAGE;

  public static final String NAME = "demo";
  public static final String NAMESPACE = "team-a";
  public static final String UID = "6f1c1a7e-3d0b-4e51-9a52-0c6b2f6f4d10";

  /** A fixed "now" so that certificate validity and renewal are reproducible. */
  public static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");

  public static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private Fixtures() {}

  /** The registry "demo" in "team-a" with the default spec. */
  public static PrivateRegistry registry() {
    return registry(spec -> {});
  }

  /** The registry "demo" in "team-a", with the default spec changed by {@code customize}. */
  public static PrivateRegistry registry(Consumer<PrivateRegistrySpec> customize) {
    PrivateRegistry registry = new PrivateRegistry();
    registry.setMetadata(
        new ObjectMetaBuilder()
            .withName(NAME)
            .withNamespace(NAMESPACE)
            .withUid(UID)
            .withGeneration(1L)
            .withResourceVersion("1")
            .build());
    PrivateRegistrySpec spec = new PrivateRegistrySpec();
    customize.accept(spec);
    registry.setSpec(spec);
    return registry;
  }

  /** Names of a user's Secrets, by the RegistryUser's name. */
  public static UserSecretNames userSecretNames(String user) {
    RegistryUser named = new RegistryUser();
    named.getMetadata().setName(user);
    return UserSecretNames.of(named);
  }

  /** A clock standing {@code days} after {@link #NOW}. */
  public static Clock daysLater(long days) {
    return Clock.fixed(NOW.plusSeconds(days * 86_400), ZoneOffset.UTC);
  }

  /** The auth files for an htpasswd file whose users may do everything, as before access lists. */
  public static AuthFiles authFiles(String htpasswd) {
    List<Htpasswd.Entry> entries = new ArrayList<>();
    Htpasswd.parse(htpasswd).forEach((user, hash) -> entries.add(new Htpasswd.Entry(user, hash)));
    return AuthFiles.of(new PrivateRegistrySpec(), entries);
  }

  /** An external token server, as ExternalToken mode names one. */
  public static ExternalTokenSpec externalTokenServer() {
    ExternalTokenSpec external = new ExternalTokenSpec();
    external.realm = "https://auth.example.com/token";
    external.service = "registry";
    external.issuer = "docker_auth";
    external.certificateSecret = "auth-certs";
    return external;
  }

  /** A registry in the given auth mode, with an external token server where the mode needs one. */
  public static PrivateRegistry registryInMode(AuthSpec.AuthMode mode) {
    return registry(
        spec -> {
          spec.auth.mode = mode;
          if (mode == AuthSpec.AuthMode.ExternalToken) {
            spec.auth.externalToken = externalTokenServer();
          }
        });
  }
}
