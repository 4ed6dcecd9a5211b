package dev.registryoperator.user;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.api.v1alpha1.RegistryUserSpec.SecretKeyRef;
import dev.registryoperator.kube.SecretData;
import dev.registryoperator.naming.Keys;
import dev.registryoperator.naming.Labels;
import dev.registryoperator.naming.UserSecretNames;
import dev.registryoperator.roster.EntrySecret;
import dev.registryoperator.user.PasswordObservation.NotUtf8;
import dev.registryoperator.user.PasswordObservation.NotYetGenerated;
import dev.registryoperator.user.PasswordObservation.OperatorMade;
import dev.registryoperator.user.PasswordObservation.Read;
import dev.registryoperator.user.PasswordObservation.SecretNotFound;
import dev.registryoperator.user.PasswordObservation.Unchanged;
import dev.registryoperator.user.model.PullSecret;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a user's reconcile reads before it decides anything: the registry, the users sharing
 * it, and the password. Validation and the dependents work from this, so they need no client.
 *
 * @param password empty when there is no registry (its bcrypt cost is part of the password source)
 */
record UserObservation(
    Optional<PrivateRegistry> registry,
    List<RegistryUser> usersOfSameRegistry,
    Optional<PasswordObservation> password) {

  static UserObservation of(
      RegistryUser user, UserEventSources sources, Context<RegistryUser> context) {
    Optional<PrivateRegistry> registry = sources.registry(user);
    return new UserObservation(
        registry,
        sources.usersOfSameRegistry(user),
        registry.map(r -> password(user, r.getSpec().auth.bcryptCost, sources, context)));
  }

  private static PasswordObservation password(
      RegistryUser user, int cost, UserEventSources sources, Context<RegistryUser> context) {
    UserSecretNames names = UserSecretNames.of(user);
    SecretKeyRef ref = user.getSpec().passwordSecretRef;
    if (ref == null) {
      // The generated password is one of the user's own Secrets: cached whole, never fetched.
      return sources
          .ownSecret(user, names.credentialsSecret())
          .<PasswordObservation>map(secret -> read(secret, Keys.PASSWORD, cost))
          .orElseGet(NotYetGenerated::new);
    }
    Optional<Secret> version = sources.passwordSecretVersion(user, context);
    if (version.isEmpty()) {
      return new SecretNotFound(ref.name);
    }
    String source = EntrySecret.passwordSource(version.get(), ref.key, cost);
    Optional<String> currentHash =
        sources
            .ownSecret(user, names.entrySecret())
            .flatMap(EntrySecret::read)
            .filter(entry -> entry.source().equals(source))
            .map(EntrySecret.Stored::hash);
    Optional<String> pullPassword =
        sources
            .ownSecret(user, names.pullSecret())
            .filter(pull -> PullSecret.passwordSource(pull).filter(source::equals).isPresent())
            .flatMap(PullSecret::password);
    if (currentHash.isPresent() && (!user.getSpec().pullSecret || pullPassword.isPresent())) {
      return new Unchanged(source, currentHash.get(), pullPassword);
    }
    // The watch's cache holds no data: read the Secret unless it was just read whole.
    boolean readWhole = version.get().getData() != null && !version.get().getData().isEmpty();
    Optional<Secret> secret = readWhole ? version : sources.readPasswordSecret(user, context);
    return secret
        .<PasswordObservation>map(
            s -> operatorMade(s) ? new OperatorMade(ref.name) : read(s, ref.key, cost))
        .orElseGet(() -> new SecretNotFound(ref.name));
  }

  private static PasswordObservation read(Secret secret, String key, int cost) {
    Optional<byte[]> bytes = SecretData.decodeBytes(secret, key);
    if (bytes.isPresent() && !SecretData.isUtf8(bytes.get())) {
      return new NotUtf8(secret.getMetadata().getName(), key);
    }
    return new Read(
        secret.getMetadata().getName(),
        key,
        EntrySecret.passwordSource(secret, key, cost),
        SecretData.decode(secret, key));
  }

  private static boolean operatorMade(Secret secret) {
    Map<String, String> labels = secret.getMetadata().getLabels();
    return labels != null && Labels.OPERATOR_NAME.equals(labels.get(Labels.MANAGED_BY));
  }
}
