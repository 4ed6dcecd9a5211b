package dev.registryoperator.user;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import dev.registryoperator.api.v1alpha1.RegistryUserStatus;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

/** Writing a user's status: only when it changed, and from an object that carries no spec. */
final class UserStatus {

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private UserStatus() {}

  static RegistryUserStatus copy(RegistryUserStatus status) {
    return status == null
        ? new RegistryUserStatus()
        : JSON.unmarshal(JSON.asJson(status), RegistryUserStatus.class);
  }

  static UpdateControl<RegistryUser> patchIfChanged(RegistryUser user, RegistryUserStatus status) {
    if (user.getStatus() != null && JSON.asJson(user.getStatus()).equals(JSON.asJson(status))) {
      return UpdateControl.noUpdate();
    }
    return UpdateControl.patchStatus(freshWithStatus(user, status));
  }

  static RegistryUser freshWithStatus(RegistryUser user, RegistryUserStatus status) {
    RegistryUser fresh = new RegistryUser();
    fresh.getMetadata().setName(user.getMetadata().getName());
    fresh.getMetadata().setNamespace(user.getMetadata().getNamespace());
    fresh.setSpec(null);
    fresh.setStatus(status);
    return fresh;
  }
}
