package dev.registryoperator.nodeagent;

/**
 * Where an agent runs and who it is, from the downward API: its report names and is owned by it.
 */
record NodeIdentity(String node, String namespace, String podName, String podUid) {}
