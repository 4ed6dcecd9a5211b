package dev.registryoperator.access;

/**
 * What a client may do with a repository. The constants are spelled as Docker's token scopes and
 * the CRD spell them ({@code repository:team-a/app:pull,push}).
 */
public enum Action {
  pull,
  push,
  delete
}
