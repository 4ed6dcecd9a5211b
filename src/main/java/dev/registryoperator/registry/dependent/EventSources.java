package dev.registryoperator.registry.dependent;

/** Names of the event sources several dependents share: one watch per kind, not per object. */
public final class EventSources {

  public static final String SECRETS = "registry-secrets";
  public static final String CONFIG_MAPS = "registry-configmaps";

  private EventSources() {}
}
