package dev.registryoperator.api.v1alpha1;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/**
 * What every status of ours has: the generation it describes and conditions with a top-level Ready.
 * Plain accessor names, not bean getters, so they add nothing to the serialised form.
 */
public interface ConditionedStatus {

  Long observedGeneration();

  List<Condition> conditions();

  void conditions(List<Condition> conditions);
}
