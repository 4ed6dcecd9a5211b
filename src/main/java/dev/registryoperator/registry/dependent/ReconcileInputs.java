package dev.registryoperator.registry.dependent;

import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Clock;

/**
 * What the reconciler observed before running the dependents, handed to them through the workflow
 * context: the dependents are created by the framework and cannot take constructor arguments.
 *
 * @param clock the clock certificates are checked and issued against
 * @param userTlsSecret the user-supplied serving Secret, or null when the operator issues one
 * @param htpasswd the content of the htpasswd file
 */
public record ReconcileInputs(Clock clock, Secret userTlsSecret, String htpasswd) {

  private static final String KEY = ReconcileInputs.class.getName();

  public void attachTo(Context<PrivateRegistry> context) {
    context.managedWorkflowAndDependentResourceContext().put(KEY, this);
  }

  public static ReconcileInputs of(Context<PrivateRegistry> context) {
    return context
        .managedWorkflowAndDependentResourceContext()
        .getMandatory(KEY, ReconcileInputs.class);
  }
}
