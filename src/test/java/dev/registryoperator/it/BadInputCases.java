package dev.registryoperator.it;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.tls.CertificateAuthority;
import dev.registryoperator.tls.KeyAndCertificate;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The table of {@link BadInputIT}: invalid and hostile PrivateRegistry and RegistryUser specs and
 * Secrets, each with what must become of it. Every object a case creates is named after the case
 * (its id, or the id and a suffix), so that requests and Events can be told apart by name.
 */
final class BadInputCases {

  static final String API_VERSION = PrivateRegistry.GROUP + "/" + PrivateRegistry.VERSION;

  /** The valid registry every user case refers to, and its valid users. */
  static final String REGISTRY = "demo";

  /** A registry in another namespace, which users here must not reach. */
  static final String FOREIGN_REGISTRY = "lonely";

  private BadInputCases() {}

  /**
   * Cases run in groups: the cases of a group are applied together and judged together, which keeps
   * the suite short without mixing one case's effects into another's verdict (each is judged by its
   * own objects, Events and requests).
   */
  enum Group {
    /** Refused or accepted by the API server at create: nothing reaches the operator. */
    SCHEMA,
    /** New PrivateRegistries the reconciler must judge. */
    REGISTRIES,
    /** New RegistryUsers (and their Secrets) of the valid registry. */
    USERS,
    /** Changes of registries and users that were up and serving before. */
    LIVE
  }

  enum Target {
    REGISTRY("PrivateRegistry", "privateregistries"),
    USER("RegistryUser", "registryusers");

    final String kind;
    final String plural;

    Target(String kind, String plural) {
      this.kind = kind;
      this.plural = plural;
    }
  }

  /** What must become of a case. */
  sealed interface Expect {}

  /** 422 from the API server naming the field (1.20 names list items without their index). */
  record Refused(String field, String fragment) implements Expect {}

  /**
   * A cross-field rule: a CEL rule in the CRD, refused with its message where the server has CEL
   * (1.25+); 1.20 drops the rules with the CRD, and the reconciler reports the same words.
   */
  record CelRule(String field, String message) implements Expect {}

  /** Accepted by the API server (checked with a server-side dry run: nothing is stored). */
  record Accepted() implements Expect {}

  /** Ready=False with this reason, a message with this fragment and one Warning Event. */
  record Reported(String reason, String fragment) implements Expect {}

  /** Hostile but legal: the user is Active and logs in with exactly these bytes. */
  record Works(String username, byte[] password) implements Expect {}

  /** A legal registry at a limit: it settles (its Deployment is applied, no problem reported). */
  record Settles() implements Expect {}

  /** A live registry switched to a legal certificate of the user's: it serves that Secret. */
  record Served(String secretName) implements Expect {}

  /**
   * @param id the name of the case's target object; every other object of the case starts with it
   * @param before objects created and settled before the group acts (live registries and users)
   * @param create objects created when the group acts (in this order)
   * @param patch a JSON merge patch of the target's spec applied when the group acts, or null
   * @param secrets values that must appear nowhere: status, Events, the operator's log
   */
  record Case(
      String id,
      Group group,
      Target target,
      String what,
      List<String> before,
      List<String> create,
      String patch,
      Expect expect,
      List<String> secrets) {

    @Override
    public String toString() {
      return id + ": " + what;
    }
  }

  // ---------------------------------------------------------------------------------------------

  static List<Case> all() {
    List<Case> cases = new ArrayList<>();
    schema(cases);
    registries(cases);
    users(cases);
    live(cases);
    Set<String> ids = new HashSet<>();
    for (Case c : cases) {
      if (!ids.add(c.id())) {
        throw new IllegalStateException("duplicate case id " + c.id());
      }
    }
    for (String id : ids) {
      for (String other : ids) {
        if (!id.equals(other) && other.startsWith(id + "-")) {
          // requests and Events are attributed by name: no id may prefix another's objects
          throw new IllegalStateException("case id " + id + " prefixes case id " + other);
        }
      }
    }
    return cases;
  }

  /** Enum and range bounds just outside (refused) and just inside (accepted), odd forms. */
  private static void schema(List<Case> cases) {
    refusedRegistry(cases, "s-mode-digest", "spec: {auth: {mode: Digest}}", "spec.auth.mode");
    acceptedRegistry(
        cases,
        "s-mode-external",
        "spec: {auth: {mode: ExternalToken, externalToken: {realm: \"https://auth.example.test/t\","
            + " service: registry, issuer: auth, certificateSecret: auth-certs}}}");
    refusedRegistry(
        cases, "s-svc-externalname", "spec: {service: {type: ExternalName}}", "spec.service.type");
    refusedRegistry(
        cases,
        "s-access-rox",
        "spec: {storage: {accessModes: [ReadOnlyMany]}}",
        "spec.storage.accessModes[0]");
    refusedRegistry(
        cases, "s-access-none", "spec: {storage: {accessModes: []}}", "spec.storage.accessModes");
    acceptedRegistry(cases, "s-access-rwop", "spec: {storage: {accessModes: [ReadWriteOncePod]}}");
    refusedRegistry(cases, "s-port-1023", "spec: {proxy: {port: 1023}}", "spec.proxy.port");
    acceptedRegistry(cases, "s-port-1024", "spec: {proxy: {port: 1024}}");
    refusedRegistry(cases, "s-port-65536", "spec: {proxy: {port: 65536}}", "spec.proxy.port");
    acceptedRegistry(cases, "s-port-65535", "spec: {proxy: {port: 65535}}");
    refusedRegistry(cases, "s-port-string", "spec: {proxy: {port: \"15000\"}}", "spec.proxy.port");
    refusedRegistry(cases, "s-port-float", "spec: {proxy: {port: 15000.5}}", "spec.proxy.port");
    refusedRegistry(
        cases,
        "s-timeout-0",
        "spec: {proxy: {readTimeoutSeconds: 0}}",
        "spec.proxy.readTimeoutSeconds");
    acceptedRegistry(cases, "s-timeout-1", "spec: {proxy: {readTimeoutSeconds: 1}}");
    refusedRegistry(
        cases,
        "s-timeout-86401",
        "spec: {proxy: {readTimeoutSeconds: 86401}}",
        "spec.proxy.readTimeoutSeconds");
    acceptedRegistry(cases, "s-timeout-86400", "spec: {proxy: {readTimeoutSeconds: 86400}}");
    refusedRegistry(cases, "s-cost-3", "spec: {auth: {bcryptCost: 3}}", "spec.auth.bcryptCost");
    acceptedRegistry(cases, "s-cost-4", "spec: {auth: {bcryptCost: 4}}");
    refusedRegistry(cases, "s-cost-15", "spec: {auth: {bcryptCost: 15}}", "spec.auth.bcryptCost");
    acceptedRegistry(cases, "s-cost-14", "spec: {auth: {bcryptCost: 14}}");
    refusedRegistry(
        cases,
        "s-token-59",
        "spec: {auth: {mode: Token, tokenLifetimeSeconds: 59}}",
        "spec.auth.tokenLifetimeSeconds");
    acceptedRegistry(cases, "s-token-60", "spec: {auth: {mode: Token, tokenLifetimeSeconds: 60}}");
    refusedRegistry(
        cases,
        "s-token-3601",
        "spec: {auth: {mode: Token, tokenLifetimeSeconds: 3601}}",
        "spec.auth.tokenLifetimeSeconds");
    acceptedRegistry(
        cases, "s-token-3600", "spec: {auth: {mode: Token, tokenLifetimeSeconds: 3600}}");
    refusedRegistry(
        cases, "s-validity-0", "spec: {tls: {validityDays: 0}}", "spec.tls.validityDays");
    refusedRegistry(
        cases, "s-validity-3651", "spec: {tls: {validityDays: 3651}}", "spec.tls.validityDays");
    acceptedRegistry(cases, "s-validity-3650", "spec: {tls: {validityDays: 3650}}");
    refusedRegistry(
        cases, "s-renew-0", "spec: {tls: {renewBeforeDays: 0}}", "spec.tls.renewBeforeDays");
    acceptedRegistry(cases, "s-renew-1", "spec: {tls: {validityDays: 2, renewBeforeDays: 1}}");
    refusedRegistry(
        cases,
        "s-issuer-nameless",
        "spec: {tls: {issuerRef: {kind: ClusterIssuer}}}",
        "spec.tls.issuerRef.name");
    refusedRegistry(
        cases,
        "s-issuer-kind",
        "spec: {tls: {issuerRef: {name: team-ca, kind: VaultIssuer}}}",
        "spec.tls.issuerRef.kind");
    refusedRegistry(
        cases,
        "s-nodeport-0",
        "spec: {service: {type: NodePort, nodePort: 0}}",
        "spec.service.nodePort");
    refusedRegistry(
        cases,
        "s-nodeport-65536",
        "spec: {service: {type: NodePort, nodePort: 65536}}",
        "spec.service.nodePort");
    refusedRegistry(cases, "s-size-decimal", "spec: {storage: {size: 10G}}", "spec.storage.size");
    refusedRegistry(
        cases, "s-size-fraction", "spec: {storage: {size: 1.5Gi}}", "spec.storage.size");
    refusedRegistry(cases, "s-size-zero", "spec: {storage: {size: 0Gi}}", "spec.storage.size");
    refusedRegistry(
        cases, "s-size-negative", "spec: {storage: {size: \"-5Gi\"}}", "spec.storage.size");
    refusedRegistry(cases, "s-size-number", "spec: {storage: {size: 10}}", "spec.storage.size");
    refusedRegistry(
        cases, "s-size-10-digits", "spec: {storage: {size: 1000000000Gi}}", "spec.storage.size");
    acceptedRegistry(cases, "s-size-9-digits", "spec: {storage: {size: 999999999Gi}}");
    refusedRegistry(
        cases, "s-body-tera", "spec: {proxy: {maxBodySize: 1t}}", "spec.proxy.maxBodySize");
    refusedRegistry(
        cases, "s-body-negative", "spec: {proxy: {maxBodySize: \"-1\"}}", "spec.proxy.maxBodySize");
    acceptedRegistry(cases, "s-body-9-digits", "spec: {proxy: {maxBodySize: 999999999g}}");
    refusedRegistry(
        cases,
        "s-host-upper",
        "spec: {ingress: {host: Registry.Example.TEST}}",
        "spec.ingress.host");
    refusedRegistry(
        cases,
        "s-host-underscore",
        "spec: {ingress: {host: registry_one.example.test}}",
        "spec.ingress.host");
    refusedRegistry(
        cases,
        "s-host-url",
        "spec: {ingress: {host: \"https://registry.example.test\"}}",
        "spec.ingress.host");
    refusedRegistry(
        cases, "s-host-missing", "spec: {ingress: {className: nginx}}", "spec.ingress.host");
    refusedRegistry(
        cases,
        "s-dnsname-space",
        "spec: {tls: {dnsNames: [\"bad name.example.test\"]}}",
        "spec.tls.dnsNames[0]");
    refusedRegistry(
        cases, "s-realm-bell", "spec: {auth: {realm: \"Team\\u0007A\"}}", "spec.auth.realm");
    refusedRegistry(
        cases, "s-realm-quote", "spec: {auth: {realm: \"Team \\\"A\\\"\"}}", "spec.auth.realm");
    refusedRegistry(
        cases,
        "s-realm-65",
        "spec: {auth: {realm: \"" + "r".repeat(65) + "\"}}",
        "spec.auth.realm");
    refusedRegistry(
        cases, "s-realm-c1", "spec: {auth: {realm: \"Team\\u009BA\"}}", "spec.auth.realm");
    acceptedRegistry(cases, "s-realm-64", "spec: {auth: {realm: \"" + "r".repeat(64) + "\"}}");
    acceptedRegistry(cases, "s-realm-unicode", "spec: {auth: {realm: \"Équipe ☃ 東京\"}}");
    refusedRegistry(
        cases,
        "s-anon-slash",
        "spec: {auth: {anonymousPull: [\"/public\"]}}",
        "spec.auth.anonymousPull[0]");

    refusedUser(
        cases, "s-user-colon", "{registryRef: demo, username: \"bad:name\"}", "spec.username");
    refusedUser(
        cases, "s-user-space", "{registryRef: demo, username: \"has space\"}", "spec.username");
    refusedUser(
        cases, "s-user-nul", "{registryRef: demo, username: \"nul\\0name\"}", "spec.username");
    refusedUser(
        cases, "s-user-newline", "{registryRef: demo, username: \"new\\nline\"}", "spec.username");
    refusedUser(
        cases, "s-user-del", "{registryRef: demo, username: \"del\\x7Fname\"}", "spec.username");
    refusedUser(
        cases, "s-user-hash", "{registryRef: demo, username: \"#comment\"}", "spec.username");
    refusedUser(cases, "s-user-empty", "{registryRef: demo, username: \"\"}", "spec.username");
    refusedUser(
        cases,
        "s-user-256",
        "{registryRef: demo, username: \"" + "u".repeat(256) + "\"}",
        "spec.username");
    refusedUser(
        cases, "s-user-foreign-ns", "{registryRef: \"elsewhere/demo\"}", "spec.registryRef");
    refusedUser(cases, "s-user-no-registry", "{username: someone}", "spec.registryRef");
    refusedUser(
        cases,
        "s-user-secret-name",
        "{registryRef: demo, passwordSecretRef: {name: Bad_Name}}",
        "spec.passwordSecretRef.name");
    refusedUser(
        cases,
        "s-user-secret-key",
        "{registryRef: demo, passwordSecretRef: {name: ok, key: \"../password\"}}",
        "spec.passwordSecretRef.key");
    refusedUser(
        cases,
        "s-user-action",
        "{registryRef: demo, access: [{repositories: [\"team/*\"], actions: [fly]}]}",
        "spec.access[0].actions[0]");
    refusedUser(
        cases,
        "s-user-no-repos",
        "{registryRef: demo, access: [{repositories: [], actions: [pull]}]}",
        "spec.access[0].repositories");
  }

  /** New registries whose problem only the reconciler can see. */
  private static void registries(List<Case> cases) {
    celRegistry(
        cases,
        "r-port-metrics",
        "spec: {proxy: {port: 9091}}",
        "spec.proxy.port",
        "spec.proxy.port cannot be 9091");
    celRegistry(
        cases,
        "r-nodeport-clusterip",
        "spec: {service: {nodePort: 30500}}",
        "spec.service.nodePort",
        "spec.service.nodePort needs spec.service.type NodePort or LoadBalancer.");
    celRegistry(
        cases,
        "r-renew-equals",
        "spec: {tls: {validityDays: 30, renewBeforeDays: 30}}",
        "spec.tls.renewBeforeDays",
        "must be less than spec.tls.validityDays");
    celRegistry(
        cases,
        "r-secret-and-issuer",
        "spec: {tls: {secretName: own-cert, issuerRef: {name: team-ca}}}",
        "spec.tls.issuerRef",
        "spec.tls.secretName and spec.tls.issuerRef exclude each other");
    // BadInputIT runs without cert-manager's CRDs (CertManagerIT runs with them).
    cases.add(
        new Case(
            "r-issuer-no-cert-manager",
            Group.REGISTRIES,
            Target.REGISTRY,
            "a cert-manager issuer where cert-manager is not installed",
            List.of(),
            List.of(registry("r-issuer-no-cert-manager", "spec: {tls: {issuerRef: {name: ca}}}")),
            null,
            new Reported("CertManagerNotInstalled", "certificates.cert-manager.io"),
            List.of()));
    celRegistry(
        cases,
        "r-external-missing",
        "spec: {auth: {mode: ExternalToken}}",
        "spec.auth.externalToken",
        "spec.auth.mode ExternalToken needs spec.auth.externalToken.");
    celRegistry(
        cases,
        "r-claim-delete",
        "spec: {storage: {existingClaim: shared-data, deleteClaim: true}}",
        "spec.storage.deleteClaim",
        "spec.storage.deleteClaim cannot be true with spec.storage.existingClaim");
    String name64 = "r-name-" + "x".repeat(57);
    cases.add(
        new Case(
            name64,
            Group.REGISTRIES,
            Target.REGISTRY,
            "a registry name of 64 characters (a Service name has at most 63)",
            List.of(),
            List.of(registry(name64, "spec: {}")),
            null,
            new Reported("InvalidName", "cannot name a Service"),
            List.of()));
    cases.add(
        new Case(
            "r-name.dotted",
            Group.REGISTRIES,
            Target.REGISTRY,
            "a registry name with a dot (valid for the object, not for its Service)",
            List.of(),
            List.of(registry("r-name.dotted", "spec: {}")),
            null,
            new Reported("InvalidName", "cannot name a Service"),
            List.of()));
    // Its children add suffixes: "-metrics" (8 characters) must still fit a Service name.
    String name55 = "r-longest-" + "y".repeat(45);
    cases.add(
        new Case(
            name55,
            Group.REGISTRIES,
            Target.REGISTRY,
            "the longest registry name whose children's names are all legal (55 characters)",
            List.of(),
            List.of(registry(name55, "spec: {}")),
            null,
            new Settles(),
            List.of()));
    String name56 = "r-too-long-" + "z".repeat(45);
    cases.add(
        new Case(
            name56,
            Group.REGISTRIES,
            Target.REGISTRY,
            "a registry name of 56 characters: its metrics Service would need 64",
            List.of(),
            List.of(registry(name56, "spec: {}")),
            null,
            new Reported("InvalidName", "cannot name"),
            List.of()));
    cases.add(
        new Case(
            "r-nodeport-80",
            Group.REGISTRIES,
            Target.REGISTRY,
            "a node port outside the cluster's node port range (the schema cannot know it)",
            List.of(),
            List.of(registry("r-nodeport-80", "spec: {service: {type: NodePort, nodePort: 80}}")),
            null,
            new Reported("RefusedByApiServer", "nodePort: Invalid value: 80"),
            List.of()));
    cases.add(
        new Case(
            "r-host-ip",
            Group.REGISTRIES,
            Target.REGISTRY,
            "an Ingress host that is an IP address, not a DNS name",
            List.of(),
            List.of(registry("r-host-ip", "spec: {ingress: {host: 10.1.2.3}}")),
            null,
            new Refused("spec.ingress.host", ""),
            List.of()));
    cases.add(
        new Case(
            "r-host-label-64",
            Group.REGISTRIES,
            Target.REGISTRY,
            "an Ingress host with a 64-character label, not a DNS name",
            List.of(),
            List.of(
                registry(
                    "r-host-label-64",
                    "spec: {ingress: {host: " + "h".repeat(64) + ".example.test}}")),
            null,
            new Refused("spec.ingress.host", ""),
            List.of()));
    cases.add(
        new Case(
            "r-memory-words",
            Group.REGISTRIES,
            Target.REGISTRY,
            "a memory request that is not a quantity",
            List.of(),
            List.of(
                registry(
                    "r-memory-words", "spec: {resources: {registry: {requests: {memory: lots}}}}")),
            null,
            new Reported(
                "InvalidSpec", "spec.resources.registry.requests.memory is not a quantity"),
            List.of()));
    cases.add(
        new Case(
            "r-memory-over-limit",
            Group.REGISTRIES,
            Target.REGISTRY,
            "a memory request above its limit",
            List.of(),
            List.of(
                registry(
                    "r-memory-over-limit",
                    "spec: {resources: {proxy: {requests: {memory: 2Gi}, limits: {memory:"
                        + " 1Gi}}}}")),
            null,
            new Reported("RefusedByApiServer", "must be less than or equal to memory limit"),
            List.of()));
    cases.add(
        new Case(
            "r-memory-negative",
            Group.REGISTRIES,
            Target.REGISTRY,
            "a negative memory limit",
            List.of(),
            List.of(
                registry(
                    "r-memory-negative", "spec: {resources: {proxy: {limits: {memory: -1Gi}}}}")),
            null,
            new Reported("InvalidSpec", "spec.resources.proxy.limits.memory is not a quantity"),
            List.of()));
    cases.add(
        new Case(
            "r-memory-exponent",
            Group.REGISTRIES,
            Target.REGISTRY,
            "a memory request with an exponent and a suffix (1e3M), which no quantity has",
            List.of(),
            List.of(
                registry(
                    "r-memory-exponent",
                    "spec: {resources: {registry: {requests: {memory: 1e3M}}}}")),
            null,
            new Reported("InvalidSpec", "spec.resources.registry.requests.memory"),
            List.of()));
  }

  /** New users of the valid registry, and their password Secrets. */
  private static void users(List<Case> cases) {
    passwordCase(
        cases,
        "u-pw-empty",
        "a password of 0 bytes",
        bytes(""),
        new Reported("PasswordTooShort", "fewer than 8"));
    passwordCase(
        cases,
        "u-pw-seven",
        "a password of 7 bytes",
        bytes("Qx7-kpW"),
        new Reported("PasswordTooShort", "fewer than 8"));
    passwordCase(cases, "u-pw-eight", "a password of 8 bytes", bytes("Qx8-kpWz"), null);
    passwordCase(
        cases,
        "u-pw-max",
        "a password of 72 bytes (all bcrypt reads)",
        bytes("Qx72-" + "m".repeat(66) + "!"),
        null);
    passwordCase(
        cases,
        "u-pw-over",
        "a password of 73 bytes (bcrypt would silently drop the last)",
        bytes("Qx73-" + "o".repeat(67) + "!"),
        new Reported("PasswordTooLong", "longer than 72 bytes"));
    passwordCase(
        cases,
        "u-pw-multibyte-over",
        "37 two-byte characters: 74 bytes, though only 37 characters",
        bytes("é".repeat(36) + "Ω"),
        new Reported("PasswordTooLong", "longer than 72 bytes"));
    passwordCase(
        cases,
        "u-pw-nul",
        "a password with a NUL byte (C's crypt, which nginx uses, stops reading there)",
        bytes("QxNul-ab\0cdefgh"),
        new Reported("PasswordInvalid", "contains a NUL byte"));
    passwordCase(
        cases,
        "u-pw-crlf",
        "a password with CR/LF inside and at its end",
        bytes("QxCrLf-1\r\n2\r\n"),
        null);
    passwordCase(
        cases,
        "u-pw-colons",
        "a password with ':' (only a username's first one splits)",
        bytes("Qx:Colon:pw:"),
        null);
    byte[] notUtf8 =
        concat(bytes("QxLatin1-"), new byte[] {(byte) 0xE9, (byte) 0xFF}, bytes("-pw"));
    passwordCase(
        cases,
        "u-pw-not-utf8",
        "a password whose bytes are not UTF-8",
        notUtf8,
        new Reported("PasswordInvalid", "(key 'password') is not UTF-8 text"));
    cases.add(
        new Case(
            "u-secret-dockercfg",
            Group.USERS,
            Target.USER,
            "a password Secret of the wrong type (kubernetes.io/dockerconfigjson, no password key)",
            List.of(),
            List.of(
                secret(
                    "u-secret-dockercfg-secret",
                    Keys.DOCKER_CONFIG_TYPE,
                    Map.of(
                        Keys.DOCKER_CONFIG,
                        bytes("{\"auths\":{\"x\":{\"auth\":\"UXhEb2NrZXI6UXhEb2NrZXItcHc=\"}}}"))),
                user(
                    "u-secret-dockercfg",
                    "{registryRef: demo, passwordSecretRef: {name:"
                        + " u-secret-dockercfg-secret}}")),
            null,
            new Reported("PasswordKeyNotFound", "has no key 'password'"),
            List.of("UXhEb2NrZXI6UXhEb2NrZXItcHc=")));
    cases.add(
        new Case(
            "u-secret-no-key",
            Group.USERS,
            Target.USER,
            "a password Secret without the named key",
            List.of(),
            List.of(
                secret(
                    "u-secret-no-key-secret",
                    Keys.OPAQUE_TYPE,
                    Map.of("passwd", bytes("QxNoKey-pw1"))),
                user(
                    "u-secret-no-key",
                    "{registryRef: demo, passwordSecretRef: {name:" + " u-secret-no-key-secret}}")),
            null,
            new Reported("PasswordKeyNotFound", "has no key 'password'"),
            List.of("QxNoKey-pw1")));
    cases.add(
        new Case(
            "u-secret-missing",
            Group.USERS,
            Target.USER,
            "a password Secret that does not exist",
            List.of(),
            List.of(
                user(
                    "u-secret-missing",
                    "{registryRef: demo, passwordSecretRef: {name:"
                        + " u-secret-missing-secret}}")),
            null,
            new Reported("PasswordSecretNotFound", "'u-secret-missing-secret' does not exist"),
            List.of()));
    cases.add(
        new Case(
            "u-secret-operators",
            Group.USERS,
            Target.USER,
            "a password Secret the operator made: another registry's http secret",
            List.of(),
            List.of(
                user(
                    "u-secret-operators",
                    "{registryRef: demo, passwordSecretRef: {name:"
                        + " demo-http-secret, key: http-secret}}")),
            null,
            new Reported("PasswordSecretNotAllowed", "'demo-http-secret' is made and changed"),
            List.of()));
    cases.add(
        new Case(
            "u-foreign-registry",
            Group.USERS,
            Target.USER,
            "a registryRef naming a registry that exists only in another namespace",
            List.of(),
            List.of(user("u-foreign-registry", "{registryRef: " + FOREIGN_REGISTRY + "}")),
            null,
            new Reported("RegistryNotFound", "'" + FOREIGN_REGISTRY + "' does not exist in this"),
            List.of()));
    cases.add(
        new Case(
            "u-self-registry",
            Group.USERS,
            Target.USER,
            "a registryRef naming the user itself",
            List.of(),
            List.of(user("u-self-registry", "{registryRef: u-self-registry}")),
            null,
            new Reported("RegistryNotFound", "'u-self-registry' does not exist"),
            List.of()));
    cases.add(
        new Case(
            "u-name-bytes",
            Group.USERS,
            Target.USER,
            "a username of 128 two-byte characters: within the schema's 255 characters, 256 bytes",
            List.of(),
            List.of(
                user("u-name-bytes", "{registryRef: demo, username: \"" + "é".repeat(128) + "\"}")),
            null,
            new Reported("InvalidUsername", "longer than 255 bytes"),
            List.of()));
    cases.add(
        new Case(
            "u-name-c1",
            Group.USERS,
            Target.USER,
            "a username with a C1 control character (U+0085, NEXT LINE)",
            List.of(),
            List.of(user("u-name-c1", "{registryRef: demo, username: \"next\\u0085line\"}")),
            null,
            new Refused("spec.username", ""),
            List.of()));
    // A RegistryUser's name may have 253 characters, its entry Secret's name adds 15.
    String longName = "u-name-long-" + "n".repeat(228);
    cases.add(
        new Case(
            longName,
            Group.USERS,
            Target.USER,
            "a RegistryUser name of 240 characters: its entry Secret's name would have 255",
            List.of(),
            List.of(user(longName, "{registryRef: demo, username: long-named}")),
            null,
            new Reported("RefusedByApiServer", "-htpasswd-entry' as invalid: metadata.name"),
            List.of()));
    String longest = "l".repeat(255);
    cases.add(
        new Case(
            "u-name-255",
            Group.USERS,
            Target.USER,
            "a username of 255 bytes, the most htpasswd takes",
            List.of(),
            List.of(
                secret(
                    "u-name-255-secret",
                    Keys.OPAQUE_TYPE,
                    Map.of("password", bytes("Qx255-name-pw"))),
                user(
                    "u-name-255",
                    "{registryRef: demo, username: "
                        + longest
                        + ", passwordSecretRef: {name: u-name-255-secret}}")),
            null,
            new Works(longest, bytes("Qx255-name-pw")),
            List.of("Qx255-name-pw")));
    cases.add(
        new Case(
            "u-name-unicode",
            Group.USERS,
            Target.USER,
            "a Unicode username (letters from three scripts and an emoji)",
            List.of(),
            List.of(
                secret(
                    "u-name-unicode-secret",
                    Keys.OPAQUE_TYPE,
                    Map.of("password", bytes("QxUnicode-pw"))),
                user(
                    "u-name-unicode",
                    "{registryRef: demo, username: \"Zoë-東京-Ωμέγα-🚢\","
                        + " passwordSecretRef: {name: u-name-unicode-secret}}")),
            null,
            new Works("Zoë-東京-Ωμέγα-🚢", bytes("QxUnicode-pw")),
            List.of("QxUnicode-pw")));
    cases.add(
        new Case(
            "u-dup-alice",
            Group.USERS,
            Target.USER,
            "a new user claiming the username of a valid user",
            List.of(),
            List.of(
                secret(
                    "u-dup-alice-secret",
                    Keys.OPAQUE_TYPE,
                    Map.of("password", bytes("QxDupAlice-pw"))),
                user(
                    "u-dup-alice",
                    "{registryRef: demo, username: alice, passwordSecretRef:"
                        + " {name: u-dup-alice-secret}}")),
            null,
            new Reported("DuplicateUsername", "'alice' already has username 'alice'"),
            List.of("QxDupAlice-pw")));
    // Two users racing for one username, created back to back: the older (or, within one second,
    // the first by name) holds it.
    cases.add(
        new Case(
            "u-race-a",
            Group.USERS,
            Target.USER,
            "the first of two users racing for one username",
            List.of(),
            List.of(
                secret(
                    "u-race-a-secret", Keys.OPAQUE_TYPE, Map.of("password", bytes("QxRaceA-pw"))),
                user(
                    "u-race-a",
                    "{registryRef: demo, username: racer, passwordSecretRef: {name:"
                        + " u-race-a-secret}}")),
            null,
            new Works("racer", bytes("QxRaceA-pw")),
            List.of("QxRaceA-pw")));
    cases.add(
        new Case(
            "u-race-b",
            Group.USERS,
            Target.USER,
            "the second of two users racing for one username",
            List.of(),
            List.of(
                secret(
                    "u-race-b-secret", Keys.OPAQUE_TYPE, Map.of("password", bytes("QxRaceB-pw"))),
                user(
                    "u-race-b",
                    "{registryRef: demo, username: racer, passwordSecretRef: {name:"
                        + " u-race-b-secret}}")),
            null,
            new Reported("DuplicateUsername", "'u-race-a' already has username 'racer'"),
            List.of("QxRaceB-pw")));
  }

  /** Changes of registries (and a user) that were serving before. */
  private static void live(List<Case> cases) {
    liveRegistry(
        cases,
        "l-storage-class",
        "the storage class of a live registry's claim changed",
        "spec: {storage: {storageClassName: standard}}",
        List.of(),
        "{\"storage\":{\"storageClassName\":\"fast\"}}",
        new Reported("ClaimChangeNotPossible", "spec.storage.storageClassName is 'fast'"),
        List.of());
    liveRegistry(
        cases,
        "l-access-mode",
        "the access mode of a live registry's claim changed",
        "spec: {}",
        List.of(),
        "{\"storage\":{\"accessModes\":[\"ReadWriteMany\"]}}",
        new Reported("ClaimChangeNotPossible", "spec.storage.accessModes is [ReadWriteMany]"),
        List.of());
    liveRegistry(
        cases,
        "l-shrink",
        "a live registry's claim asked to shrink",
        "spec: {}",
        List.of(),
        "{\"storage\":{\"size\":\"5Gi\"}}",
        new Reported("ClaimChangeNotPossible", "cannot shrink"),
        List.of());
    Clock now = Clock.systemUTC();
    CertificateAuthority theirCa = CertificateAuthority.generate("their CA", now);
    KeyAndCertificate theirs =
        theirCa.issueServerCertificate(List.of("registry.example.test"), Duration.ofDays(30), now);
    KeyAndCertificate another =
        theirCa.issueServerCertificate(List.of("registry.example.test"), Duration.ofDays(30), now);
    liveRegistry(
        cases,
        "l-tls-mismatch",
        "a TLS Secret whose key belongs to another certificate",
        "spec: {}",
        List.of(tlsSecret("l-tls-mismatch-cert", theirs.certificatePem(), another.keyPem(), null)),
        "{\"tls\":{\"secretName\":\"l-tls-mismatch-cert\"}}",
        new Reported("TlsSecretInvalid", "does not belong to the certificate"),
        keyMaterial(another.keyPem()));
    Clock longAgo = Clock.fixed(Instant.now().minus(Duration.ofDays(400)), ZoneOffset.UTC);
    CertificateAuthority oldCa = CertificateAuthority.generate("their old CA", longAgo);
    KeyAndCertificate expired =
        oldCa.issueServerCertificate(
            List.of("registry.example.test"), Duration.ofDays(30), longAgo);
    liveRegistry(
        cases,
        "l-tls-expired",
        "a TLS Secret whose certificate expired",
        "spec: {}",
        List.of(
            tlsSecret(
                "l-tls-expired-cert",
                expired.certificatePem(),
                expired.keyPem(),
                oldCa.keyAndCertificate().certificatePem())),
        "{\"tls\":{\"secretName\":\"l-tls-expired-cert\"}}",
        new Reported("TlsSecretInvalid", "its certificate expired at"),
        keyMaterial(expired.keyPem()));
    liveRegistry(
        cases,
        "l-tls-missing",
        "a TLS Secret that does not exist",
        "spec: {}",
        List.of(),
        "{\"tls\":{\"secretName\":\"l-tls-missing-cert\"}}",
        new Reported("TlsSecretNotFound", "'l-tls-missing-cert'"),
        List.of());
    liveRegistry(
        cases,
        "l-tls-garbage",
        "an Opaque Secret of garbage named as the TLS Secret",
        "spec: {}",
        List.of(
            secret(
                "l-tls-garbage-cert",
                Keys.OPAQUE_TYPE,
                Map.of(
                    Keys.TLS_CERT, bytes("QxGarbageCert"), Keys.TLS_KEY, bytes("QxGarbageKey")))),
        "{\"tls\":{\"secretName\":\"l-tls-garbage-cert\"}}",
        new Reported("TlsSecretInvalid", "tls.crt holds no readable PEM certificate"),
        List.of("QxGarbageKey"));
    KeyAndCertificate caLess =
        theirCa.issueServerCertificate(List.of("registry.example.test"), Duration.ofDays(30), now);
    liveRegistry(
        cases,
        "l-tls-ca-less",
        "a TLS Secret without ca.crt (a certificate clients trust by other means): legal",
        "spec: {}",
        List.of(tlsSecret("l-tls-ca-less-cert", caLess.certificatePem(), caLess.keyPem(), null)),
        "{\"tls\":{\"secretName\":\"l-tls-ca-less-cert\"}}",
        new Served("l-tls-ca-less-cert"),
        keyMaterial(caLess.keyPem()));
    liveRegistry(
        cases,
        "l-claim-missing",
        "an existing claim that does not exist",
        "spec: {}",
        List.of(),
        "{\"storage\":{\"existingClaim\":\"l-claim-missing-nothing\"}}",
        new Reported("ExistingClaimNotFound", "'l-claim-missing-nothing' named in"),
        List.of());
    liveRegistry(
        cases,
        "l-claim-taken",
        "an existing claim that another registry's data is on",
        "spec: {}",
        List.of(),
        "{\"storage\":{\"existingClaim\":\"demo-data\"}}",
        new Reported("ExistingClaimInUse", "holds the data of PrivateRegistry 'demo'"),
        List.of());
    liveRegistry(
        cases,
        "l-host-ip",
        "a live registry's Ingress host set to an IP address",
        "spec: {}",
        List.of(),
        "{\"ingress\":{\"host\":\"10.1.2.3\"}}",
        new Refused("spec.ingress.host", ""),
        List.of());
    cases.add(
        new Case(
            "l-self-entry",
            Group.LIVE,
            Target.USER,
            "a live user whose password Secret becomes its own htpasswd entry",
            List.of(
                secret(
                    "l-self-entry-secret",
                    Keys.OPAQUE_TYPE,
                    Map.of("password", bytes("QxSelfEntry-pw"))),
                user(
                    "l-self-entry",
                    "{registryRef: demo, passwordSecretRef: {name:" + " l-self-entry-secret}}")),
            List.of(),
            "{\"passwordSecretRef\":{\"name\":\"l-self-entry-htpasswd-entry\",\"key\":\"hash\"}}",
            new Reported(
                "PasswordSecretNotAllowed", "'l-self-entry-htpasswd-entry' is one the operator"),
            List.of("QxSelfEntry-pw")));
  }

  // ---------------------------------------------------------------------------------------------

  private static void refusedRegistry(List<Case> cases, String id, String spec, String field) {
    cases.add(
        new Case(
            id,
            Group.SCHEMA,
            Target.REGISTRY,
            spec,
            List.of(),
            List.of(registry(id, spec)),
            null,
            new Refused(field, ""),
            List.of()));
  }

  private static void acceptedRegistry(List<Case> cases, String id, String spec) {
    cases.add(
        new Case(
            id,
            Group.SCHEMA,
            Target.REGISTRY,
            spec + " (just inside)",
            List.of(),
            List.of(registry(id, spec)),
            null,
            new Accepted(),
            List.of()));
  }

  private static void refusedUser(List<Case> cases, String id, String spec, String field) {
    cases.add(
        new Case(
            id,
            Group.SCHEMA,
            Target.USER,
            "spec: " + spec,
            List.of(),
            List.of(user(id, spec)),
            null,
            new Refused(field, ""),
            List.of()));
  }

  private static void celRegistry(
      List<Case> cases, String id, String spec, String field, String message) {
    cases.add(
        new Case(
            id,
            Group.REGISTRIES,
            Target.REGISTRY,
            spec,
            List.of(),
            List.of(registry(id, spec)),
            null,
            new CelRule(field, message),
            List.of()));
  }

  /** A user of the valid registry with its password in a Secret of its own; null expect: works. */
  private static void passwordCase(
      List<Case> cases, String id, String what, byte[] password, Expect expect) {
    Expect expected = expect == null ? new Works(id, password) : expect;
    List<String> secrets = new ArrayList<>();
    String printable = new String(password, StandardCharsets.UTF_8);
    if (password.length > 0) {
      // The longest run of plain characters: what a leak of the value would show.
      String longestRun = "";
      for (String run : printable.split("[^ -~]")) {
        longestRun = run.length() > longestRun.length() ? run : longestRun;
      }
      secrets.add(longestRun.length() >= 6 ? longestRun : printable);
    }
    cases.add(
        new Case(
            id,
            Group.USERS,
            Target.USER,
            what,
            List.of(),
            List.of(
                secret(id + "-secret", Keys.OPAQUE_TYPE, Map.of("password", password)),
                user(id, "{registryRef: demo, passwordSecretRef: {name: " + id + "-secret}}")),
            null,
            expected,
            secrets));
  }

  private static void liveRegistry(
      List<Case> cases,
      String id,
      String what,
      String spec,
      List<String> inputs,
      String patch,
      Expect expect,
      List<String> secrets) {
    List<String> before = new ArrayList<>(inputs);
    before.add(registry(id, spec));
    before.add(
        secret(id + "-u-secret", Keys.OPAQUE_TYPE, Map.of("password", bytes(livePassword(id)))));
    before.add(
        user(
            id + "-u",
            "{registryRef: " + id + ", passwordSecretRef: {name: " + id + "-u-secret}}"));
    List<String> all = new ArrayList<>(secrets);
    all.add(livePassword(id));
    cases.add(
        new Case(id, Group.LIVE, Target.REGISTRY, what, before, List.of(), patch, expect, all));
  }

  /** The password of the one user of a live registry case. */
  static String livePassword(String id) {
    return "QxLive-" + id.hashCode();
  }

  static String registry(String name, String spec) {
    return """
        apiVersion: %s
        kind: PrivateRegistry
        metadata:
          name: %s
        """
            .formatted(API_VERSION, name)
        + spec;
  }

  static String user(String name, String spec) {
    return """
        apiVersion: %s
        kind: RegistryUser
        metadata:
          name: %s
        spec: %s
        """
        .formatted(API_VERSION, name, spec);
  }

  static String secret(String name, String type, Map<String, byte[]> data) {
    StringBuilder yaml =
        new StringBuilder(
            """
            apiVersion: v1
            kind: Secret
            metadata:
              name: %s
            type: %s
            data:
            """
                .formatted(name, type));
    new LinkedHashMap<>(data)
        .forEach(
            (key, value) ->
                yaml.append("  \"")
                    .append(key)
                    .append("\": \"")
                    .append(Base64.getEncoder().encodeToString(value))
                    .append("\"\n"));
    return yaml.toString();
  }

  private static String tlsSecret(String name, String certificate, String key, String ca) {
    Map<String, byte[]> data = new LinkedHashMap<>();
    data.put(Keys.TLS_CERT, bytes(certificate));
    data.put(Keys.TLS_KEY, bytes(key));
    if (ca != null) {
      data.put(Keys.CA_CERT, bytes(ca));
    }
    return secret(name, Keys.TLS_SECRET_TYPE, data);
  }

  /** Lines of a PEM key's body: any of them in a message, Event or log would be a leak. */
  private static List<String> keyMaterial(String keyPem) {
    return keyPem.lines().filter(line -> !line.startsWith("-----")).limit(3).toList();
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    byte[] all = new byte[length];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, all, at, part.length);
      at += part.length;
    }
    return all;
  }
}
