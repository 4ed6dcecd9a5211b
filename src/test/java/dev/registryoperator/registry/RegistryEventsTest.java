package dev.registryoperator.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.registryoperator.api.v1alpha1.AuthSpec.AuthMode;
import dev.registryoperator.api.v1alpha1.IssuerRef;
import dev.registryoperator.api.v1alpha1.PrivateRegistry;
import dev.registryoperator.api.v1alpha1.PrivateRegistryStatus;
import dev.registryoperator.registry.dependent.AppliedChanges;
import dev.registryoperator.testing.Fixtures;
import dev.registryoperator.testing.RecordingEventRecorder;
import dev.registryoperator.testing.RecordingEventRecorder.Recorded;
import org.junit.jupiter.api.Test;

class RegistryEventsTest {

  private final RecordingEventRecorder recorder = new RecordingEventRecorder();
  private final RegistryEvents events = new RegistryEvents(recorder);

  @Test
  void aChangedAuthModeIsToldOnceWithBothModes() {
    PrivateRegistry registry = reportedIn(AuthMode.Basic, AuthMode.Token);

    events.record(registry, false, new AppliedChanges());

    assertThat(recorder.events())
        .extracting(Recorded::reason, Recorded::message)
        .containsExactly(
            tuple(
                "AuthModeChanged",
                "Authentication changed from Basic to Token; the pod restarts to apply it. Images"
                    + " and users are kept."));
  }

  @Test
  void theSameModeOrAFirstReportSaysNothingAboutAuth() {
    events.record(reportedIn(AuthMode.Token, AuthMode.Token), false, new AppliedChanges());
    events.record(Fixtures.registry(), false, new AppliedChanges());

    assertThat(recorder.events()).extracting(Recorded::reason).doesNotContain("AuthModeChanged");
  }

  @Test
  void aCertificateOfSomeoneElseThatThePodRollsForIsTold() {
    AppliedChanges changes = new AppliedChanges();
    changes.recordExternalCertificateLoaded("demo-cert-manager-tls");
    PrivateRegistry withIssuer =
        Fixtures.registry(
            spec -> {
              spec.tls.issuerRef = new IssuerRef();
              spec.tls.issuerRef.name = "team-ca";
            });

    events.record(withIssuer, false, changes);
    events.record(Fixtures.registry(spec -> spec.tls.secretName = "own-cert"), false, changes);
    events.record(Fixtures.registry(), false, new AppliedChanges());

    assertThat(recorder.events())
        .extracting(Recorded::reason, Recorded::message)
        .containsExactly(
            tuple(
                "ServedCertificateChanged",
                "Serving the certificate cert-manager issued into Secret 'demo-cert-manager-tls';"
                    + " the pod restarts to load it."),
            tuple(
                "ServedCertificateChanged",
                "The certificate in Secret 'demo-cert-manager-tls' changed; the pod restarts to"
                    + " load it."));
  }

  private static PrivateRegistry reportedIn(AuthMode reported, AuthMode wanted) {
    PrivateRegistry registry = Fixtures.registry(spec -> spec.auth.mode = wanted);
    registry.setStatus(new PrivateRegistryStatus());
    registry.getStatus().authMode = reported.name();
    return registry;
  }
}
