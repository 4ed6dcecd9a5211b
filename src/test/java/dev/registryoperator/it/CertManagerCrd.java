package dev.registryoperator.it;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * cert-manager's CRDs for the tests. scripts/test.sh hands over cert-manager's released CRD files
 * (scripts/cert-manager-crds.sh, checked against pinned hashes) in {@code CERT_MANAGER_CRDS}, and
 * then all of them are installed, as cert-manager's own installation does. Where they could not be
 * had (no package registry carries them, so a machine without internet has none), the Certificate
 * CRD below stands in, and the test output says which was used.
 *
 * <p>The stand-in is strict where the operator is concerned: a structural schema of the spec fields
 * cert-manager defines that the operator might write, so that anything else the operator sent would
 * be pruned (and show as a difference on every reconcile); required issuerRef and secretName; the
 * status subresource, which only cert-manager writes; the printer columns of the real one.
 */
final class CertManagerCrd {

  static final String NAME = "certificates.cert-manager.io";

  /** The folder of cert-manager's released CRD files, one CRD a file; unset: the stand-in. */
  static final String RELEASED_CRDS = "CERT_MANAGER_CRDS";

  private static final String CERTIFICATES_FILE = "cert-manager.io_certificates.yaml";

  private static final String DEFINITION =
      """
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata:
        name: certificates.cert-manager.io
      spec:
        group: cert-manager.io
        scope: Namespaced
        names:
          kind: Certificate
          listKind: CertificateList
          plural: certificates
          singular: certificate
          shortNames: [cert, certs]
          categories: [cert-manager]
        versions:
          - name: v1
            served: true
            storage: true
            subresources:
              status: {}
            additionalPrinterColumns:
              - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
              - {name: Secret, type: string, jsonPath: .spec.secretName}
              - {name: Issuer, type: string, jsonPath: .spec.issuerRef.name, priority: 1}
              - {name: Status, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].message', priority: 1}
              - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
            schema:
              openAPIV3Schema:
                type: object
                required: [spec]
                properties:
                  apiVersion: {type: string}
                  kind: {type: string}
                  metadata: {type: object}
                  spec:
                    type: object
                    required: [issuerRef, secretName]
                    properties:
                      secretName: {type: string}
                      commonName: {type: string}
                      dnsNames: {type: array, items: {type: string}}
                      ipAddresses: {type: array, items: {type: string}}
                      uris: {type: array, items: {type: string}}
                      emailAddresses: {type: array, items: {type: string}}
                      duration: {type: string}
                      renewBefore: {type: string}
                      isCA: {type: boolean}
                      usages: {type: array, items: {type: string}}
                      revisionHistoryLimit: {type: integer, format: int32}
                      issuerRef:
                        type: object
                        required: [name]
                        properties:
                          name: {type: string}
                          kind: {type: string}
                          group: {type: string}
                      privateKey:
                        type: object
                        properties:
                          algorithm: {type: string, enum: [RSA, ECDSA, Ed25519]}
                          encoding: {type: string, enum: [PKCS1, PKCS8]}
                          rotationPolicy: {type: string, enum: [Never, Always]}
                          size: {type: integer}
                      secretTemplate:
                        type: object
                        properties:
                          annotations: {type: object, additionalProperties: {type: string}}
                          labels: {type: object, additionalProperties: {type: string}}
                  status:
                    type: object
                    properties:
                      conditions:
                        type: array
                        items:
                          type: object
                          required: [status, type]
                          properties:
                            type: {type: string}
                            status: {type: string, enum: ["True", "False", "Unknown"]}
                            reason: {type: string}
                            message: {type: string}
                            lastTransitionTime: {type: string, format: date-time}
                            observedGeneration: {type: integer, format: int64}
                      notAfter: {type: string, format: date-time}
                      notBefore: {type: string, format: date-time}
                      renewalTime: {type: string, format: date-time}
                      revision: {type: integer}
      """;

  private CertManagerCrd() {}

  /** Installs cert-manager's CRDs (or the stand-in) and waits until the server serves them. */
  static void install(RealApiServer api) {
    List<String> definitions = definitions(api);
    for (String definition : definitions) {
      CustomResourceDefinition crd =
          api.client()
              .getKubernetesSerialization()
              .unmarshal(definition, CustomResourceDefinition.class);
      api.client().resource(crd).create();
      api.client()
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .withName(crd.getMetadata().getName())
          .waitUntilCondition(RealApiServer::established, 30, TimeUnit.SECONDS);
    }
  }

  private static List<String> definitions(RealApiServer api) {
    String released = System.getenv(RELEASED_CRDS);
    if (released == null || released.isBlank()) {
      System.out.printf(
          "[it] cert-manager's CRDs: the tests' stand-in Certificate CRD (%s is not set)%n",
          RELEASED_CRDS);
      return List.of(DEFINITION);
    }
    try (Stream<Path> files = Files.list(Path.of(released))) {
      // cert-manager supports Kubernetes 1.22 and later (its chart's kubeVersion); 1.20 refuses
      // its ACME CRDs' schemas, and gets the one CRD the operator writes.
      boolean supported = api.version().atLeast(1, 22);
      List<Path> yamlFiles =
          files
              .filter(file -> file.toString().endsWith(".yaml"))
              .filter(file -> supported || file.endsWith(CERTIFICATES_FILE))
              .sorted()
              .toList();
      System.out.printf(
          "[it] cert-manager's CRDs: %s in %s%n",
          supported ? "the " + yamlFiles.size() + " released files" : "the released " + NAME,
          released);
      List<String> definitions = yamlFiles.stream().map(CertManagerCrd::read).toList();
      if (definitions.stream().noneMatch(definition -> definition.contains("name: " + NAME))) {
        throw new IllegalStateException(RELEASED_CRDS + " has no " + NAME + ": " + released);
      }
      return definitions;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static boolean installed(RealApiServer api) {
    return api.client().apiextensions().v1().customResourceDefinitions().withName(NAME).get()
        != null;
  }
}
