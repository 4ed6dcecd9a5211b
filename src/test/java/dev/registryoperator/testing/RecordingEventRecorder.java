package dev.registryoperator.testing;

import dev.registryoperator.kube.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;

/** An EventRecorder that keeps the Events it is given instead of sending them to a cluster. */
public final class RecordingEventRecorder extends EventRecorder {

  /** One recorded Event: Normal or Warning, on the named object. */
  public record Recorded(String type, String object, String reason, String message) {}

  private final List<Recorded> recorded = new ArrayList<>();

  public RecordingEventRecorder() {
    super(null, Fixtures.CLOCK);
  }

  @Override
  public void normal(HasMetadata object, String reason, String message) {
    recorded.add(new Recorded("Normal", object.getMetadata().getName(), reason, message));
  }

  @Override
  public void warning(HasMetadata object, String reason, String message) {
    recorded.add(new Recorded("Warning", object.getMetadata().getName(), reason, message));
  }

  public List<Recorded> events() {
    return List.copyOf(recorded);
  }

  public List<Recorded> warnings() {
    return recorded.stream().filter(event -> "Warning".equals(event.type())).toList();
  }
}
