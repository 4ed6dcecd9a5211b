package dev.registryoperator.status;

/**
 * Something about a resource's input the operator cannot act on: becomes Ready=False with this
 * reason (CamelCase) and message, plus a Warning Event. Retrying would not help.
 */
public record Problem(String reason, String message) {}
