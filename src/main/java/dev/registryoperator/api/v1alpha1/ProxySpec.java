package dev.registryoperator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

// Also checked by RegistryValidation for servers without CEL (before 1.25). 9091 is
// registry.model.Ports.METRICS; the api package does not import the model.
@ValidationRule(
    value = "self.port != 9091",
    message =
        "spec.proxy.port cannot be 9091: the proxy serves the registry's metrics on that port.",
    fieldPath = ".port")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProxySpec {

  public static final String DEFAULT_IMAGE = "nginxinc/nginx-unprivileged:1.27.5-alpine";
  public static final int DEFAULT_PORT = 15000;
  public static final int DEFAULT_READ_TIMEOUT_SECONDS = 600;
  public static final String UNLIMITED_BODY_SIZE = "0";

  @JsonPropertyDescription(
      "Image of the proxy: an nginx that runs as a non-root user (nginx-unprivileged or alike).")
  @Default(DEFAULT_IMAGE)
  public String image = DEFAULT_IMAGE;

  @JsonPropertyDescription("TLS port of the proxy, in the pod and on the Service.")
  @Min(1024)
  @Max(65535)
  @Default("" + DEFAULT_PORT)
  public int port = DEFAULT_PORT;

  @JsonPropertyDescription(
      "Seconds the proxy waits for the registry's answer (nginx proxy_read_timeout). Large layers"
          + " need long timeouts.")
  @Min(1)
  @Max(86400)
  @Default("" + DEFAULT_READ_TIMEOUT_SECONDS)
  public int readTimeoutSeconds = DEFAULT_READ_TIMEOUT_SECONDS;

  @JsonPropertyDescription(
      "Largest request body the proxy accepts, in nginx size syntax (such as 512m or 2g);"
          + " \"0\" means unlimited.")
  @Pattern("^(0|[1-9][0-9]{0,8}[kmg]?)$")
  @Default(UNLIMITED_BODY_SIZE)
  public String maxBodySize = UNLIMITED_BODY_SIZE;
}
