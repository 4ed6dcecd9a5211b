package dev.registryoperator.kube;

import dev.registryoperator.naming.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

/** Metadata of the children the operator creates: our name, our labels, an owner reference. */
public final class OwnedMetadata {

  private OwnedMetadata() {}

  /** Metadata for a child that lives and dies with its owner. */
  public static ObjectMeta owned(
      HasMetadata owner, String registryName, String name, String component) {
    return new ObjectMetaBuilder(unowned(owner, registryName, name, component))
        .withOwnerReferences(controllerReference(owner))
        .build();
  }

  /** Metadata for a child that must outlive its owner (a retained claim). */
  public static ObjectMeta unowned(
      HasMetadata owner, String registryName, String name, String component) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(owner.getMetadata().getNamespace())
        .withLabels(Labels.forComponent(registryName, component))
        .build();
  }

  public static OwnerReference controllerReference(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }
}
