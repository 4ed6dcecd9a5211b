package dev.registryoperator.it;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.util.concurrent.TimeUnit;

/**
 * cert-manager's Certificate CRD (cert-manager.io/v1), written for the tests: no build or registry
 * here has cert-manager's own manifest offline. It is a stand-in, but a strict one where the
 * operator is concerned: a structural schema of the spec fields cert-manager defines that the
 * operator might write, so that anything else the operator sent would be pruned (and show as a
 * difference on every reconcile); required issuerRef and secretName; the status subresource, which
 * only cert-manager writes; the printer columns of the real one.
 */
final class CertManagerCrd {

  static final String NAME = "certificates.cert-manager.io";

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

  /** Installs the CRD and waits until the server serves it. */
  static void install(RealApiServer api) {
    api.client()
        .resource(
            api.client()
                .getKubernetesSerialization()
                .unmarshal(DEFINITION, CustomResourceDefinition.class))
        .create();
    api.client()
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(NAME)
        .waitUntilCondition(RealApiServer::established, 30, TimeUnit.SECONDS);
  }

  static boolean installed(RealApiServer api) {
    return api.client().apiextensions().v1().customResourceDefinitions().withName(NAME).get()
        != null;
  }
}
