package dev.registryoperator.it;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import java.util.concurrent.TimeUnit;

/**
 * A schemaless stand-in for the Prometheus Operator's ServiceMonitor CRD: enough for the API server
 * to store ServiceMonitors, which is all the operator and the manifests need of it.
 */
final class ServiceMonitorCrd {

  static final String NAME = "servicemonitors.monitoring.coreos.com";

  private ServiceMonitorCrd() {}

  /** Installs the CRD and waits until the server serves it. */
  static void install(RealApiServer api) {
    api.client()
        .resource(
            new CustomResourceDefinitionBuilder()
                .withNewMetadata()
                .withName(NAME)
                .endMetadata()
                .withNewSpec()
                .withGroup("monitoring.coreos.com")
                .withScope("Namespaced")
                .withNewNames()
                .withKind("ServiceMonitor")
                .withPlural("servicemonitors")
                .withSingular("servicemonitor")
                .withListKind("ServiceMonitorList")
                .endNames()
                .addNewVersion()
                .withName("v1")
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
        .withName(NAME)
        .waitUntilCondition(RealApiServer::established, 30, TimeUnit.SECONDS);
  }
}
