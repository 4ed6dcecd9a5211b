package dev.registryoperator.it;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A schemaless stand-in for another project's CRD (the Prometheus Operator's ServiceMonitor, Argo
 * CD's Application): enough for the API server to store such objects, which is all the operator and
 * the manifests need of them. It checks no field; tests check what matters themselves.
 */
final class StandInCrd {

  private StandInCrd() {}

  /** Installs a namespaced CRD of {@code group}/{@code version} {@code kind}; returns its name. */
  static String install(RealApiServer api, String group, String version, String kind) {
    String singular = kind.toLowerCase(Locale.ROOT);
    String plural = singular + "s";
    String name = plural + "." + group;
    api.client()
        .resource(
            new CustomResourceDefinitionBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withGroup(group)
                .withScope("Namespaced")
                .withNewNames()
                .withKind(kind)
                .withPlural(plural)
                .withSingular(singular)
                .withListKind(kind + "List")
                .endNames()
                .addNewVersion()
                .withName(version)
                .withServed(true)
                .withStorage(true)
                .withNewSchema()
                .withNewOpenAPIV3Schema()
                .withType("object")
                .withXKubernetesPreserveUnknownFields(true)
                .endOpenAPIV3Schema()
                .endSchema()
                .endVersion()
                .endSpec()
                .build())
        .create();
    api.client()
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(name)
        .waitUntilCondition(RealApiServer::established, 30, TimeUnit.SECONDS);
    return name;
  }
}
