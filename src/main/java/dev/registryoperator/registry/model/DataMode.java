package dev.registryoperator.registry.model;

/**
 * Whether the registry accepts writes. Read-only only for the window of a garbage collection: it
 * then serves pulls and refuses pushes and deletes with 405 (Distribution's maintenance mode).
 */
public enum DataMode {
  READ_WRITE,
  READ_ONLY
}
