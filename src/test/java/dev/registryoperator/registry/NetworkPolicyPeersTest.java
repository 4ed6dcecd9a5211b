package dev.registryoperator.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.LabelSelectorSpec;
import dev.registryoperator.api.v1alpha1.LabelSelectorSpec.Operator;
import dev.registryoperator.api.v1alpha1.LabelSelectorSpec.Requirement;
import dev.registryoperator.api.v1alpha1.NetworkPolicySpec;
import dev.registryoperator.api.v1alpha1.PeerSpec;
import dev.registryoperator.status.Problem;
import dev.registryoperator.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Peers the API server would refuse in a NetworkPolicy are the user's mistake, reported before the
 * policy is applied; the ones it takes pass. Checked through RegistryValidation, as the reconciler
 * calls it.
 */
class NetworkPolicyPeersTest {

  static Stream<Arguments> peersTheServerTakes() {
    return Stream.of(
        Arguments.of("pods by label", pods(Map.of("app", "ci"))),
        Arguments.of("every namespace ({})", namespaces(new LabelSelectorSpec())),
        Arguments.of(
            "pods of some namespaces",
            both(Map.of("app.kubernetes.io/name", "prometheus"), Map.of("team", "monitoring"))),
        Arguments.of(
            "a prefixed key and an empty value",
            pods(Map.of("kubernetes.io/metadata.name", "a", "example.com/empty", ""))),
        Arguments.of("Exists without values", expression("tier", Operator.Exists, null)),
        Arguments.of("In with values", expression("tier", Operator.In, List.of("a", "b.c"))),
        Arguments.of("IPv4 range with a hole", addresses("10.0.0.0/16", "10.0.5.0/24")),
        Arguments.of("IPv4 host bits set, as the server allows", addresses("10.0.0.1/8")),
        Arguments.of("every IPv4 address", addresses("0.0.0.0/0", "169.254.0.0/16")),
        Arguments.of("IPv6 range with a hole", addresses("fd00::/8", "fd00:1::/32")),
        Arguments.of("one IPv6 address", addresses("2001:db8::1/128")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("peersTheServerTakes")
  void peersTheServerTakesPass(String what, PeerSpec peer) {
    assertThat(validate(policy -> policy.from = List.of(peer))).as("from: " + what).isEmpty();
    assertThat(validate(policy -> policy.metricsFrom = List.of(peer)))
        .as("metricsFrom: " + what)
        .isEmpty();
  }

  static Stream<Arguments> peersTheServerRefuses() {
    PeerSpec ipBlockAndSelector = addresses("10.0.0.0/8");
    ipBlockAndSelector.podSelector = new LabelSelectorSpec();
    return Stream.of(
        Arguments.of("an empty peer", new PeerSpec(), "needs a podSelector"),
        Arguments.of("an ipBlock beside a selector", ipBlockAndSelector, "ipBlock alone"),
        Arguments.of("no prefix length", addresses("10.0.0.0"), "cidr is not a CIDR"),
        Arguments.of("prefix beyond 32", addresses("10.0.0.0/33"), "cidr is not a CIDR"),
        Arguments.of("prefix beyond 128", addresses("fd00::/129"), "cidr is not a CIDR"),
        Arguments.of("a leading zero", addresses("010.0.0.0/8"), "cidr is not a CIDR"),
        Arguments.of("an octet beyond 255", addresses("10.0.0.256/32"), "cidr is not a CIDR"),
        Arguments.of("a host name", addresses("registry.example.test/8"), "cidr is not a CIDR"),
        Arguments.of("an IPv6 zone", addresses("fe80::1%eth0/64"), "cidr is not a CIDR"),
        Arguments.of("no cidr", addresses(null), "cidr is not a CIDR"),
        Arguments.of("an except that is no CIDR", addresses("10.0.0.0/8", "10.1.0.0"), "except[0]"),
        Arguments.of(
            "an except outside", addresses("10.0.0.0/16", "10.1.0.0/24"), "smaller range inside"),
        Arguments.of(
            "an except as large as the range",
            addresses("10.0.0.0/16", "10.0.0.0/16"),
            "smaller range inside"),
        Arguments.of(
            "an except of the other family",
            addresses("10.0.0.0/8", "fd00::/16"),
            "smaller range inside"),
        Arguments.of(
            "In without values", expression("tier", Operator.In, List.of()), "In and NotIn need"),
        Arguments.of(
            "Exists with values",
            expression("tier", Operator.Exists, List.of("a")),
            "Exists and DoesNotExist take none"),
        Arguments.of(
            "no operator", expression("tier", null, List.of("a")), "In and NotIn need values"),
        Arguments.of("a key that is no label key", pods(Map.of("-tier", "a")), "not a label key"),
        Arguments.of("a key with two slashes", pods(Map.of("a/b/c", "a")), "not a label key"),
        Arguments.of(
            "a key with an empty name", pods(Map.of("example.com/", "a")), "not a label key"),
        Arguments.of(
            "a value that is no label value", pods(Map.of("tier", "a b")), "not a label value"),
        Arguments.of(
            "a value of 64 characters", pods(Map.of("tier", "v".repeat(64))), "not a label value"),
        Arguments.of(
            "an expression value that is no label value",
            expression("tier", Operator.NotIn, List.of("ok", "not ok")),
            "not a label value"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("peersTheServerRefuses")
  void peersTheServerRefusesAreReportedByPosition(String what, PeerSpec peer, String expected) {
    PeerSpec fine = pods(Map.of("app", "ci"));
    assertThat(validate(policy -> policy.from = List.of(fine, peer)))
        .as("from: " + what)
        .hasValueSatisfying(
            problem -> {
              assertThat(problem.reason()).isEqualTo("InvalidSpec");
              assertThat(problem.message())
                  .startsWith("spec.networkPolicy.from[1]")
                  .contains(expected)
                  .as("the message quotes none of the user's text")
                  .doesNotContain("eth0", "a b", "not ok", "-tier", "registry.example.test");
            });
    assertThat(validate(policy -> policy.metricsFrom = List.of(peer)))
        .as("metricsFrom: " + what)
        .hasValueSatisfying(
            problem ->
                assertThat(problem.message())
                    .startsWith("spec.networkPolicy.metricsFrom[0]")
                    .contains(expected));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("peersTheServerRefuses")
  void aDisabledPolicyIsStillChecked(String what, PeerSpec peer, String expected) {
    // Like the schema, which checks the peers whether the policy is on or off.
    assertThat(
            validate(
                policy -> {
                  policy.enabled = false;
                  policy.from = List.of(peer);
                }))
        .as(what)
        .isPresent();
  }

  @Test
  void anEmptyListIsRefusedNotTakenForEveryone() {
    // A NetworkPolicy rule with no sources admits every source: [] must not mean that.
    assertThat(validate(policy -> policy.from = List.of()))
        .hasValueSatisfying(
            problem -> assertThat(problem.message()).contains("spec.networkPolicy.from"));
    assertThat(validate(policy -> policy.metricsFrom = List.of()))
        .hasValueSatisfying(
            problem -> assertThat(problem.message()).contains("spec.networkPolicy.metricsFrom"));
  }

  private static Optional<Problem> validate(Consumer<NetworkPolicySpec> customize) {
    return RegistryValidation.validate(
        Fixtures.registry(
            spec -> {
              spec.networkPolicy = new NetworkPolicySpec();
              customize.accept(spec.networkPolicy);
            }));
  }

  private static PeerSpec pods(Map<String, String> labels) {
    PeerSpec peer = new PeerSpec();
    peer.podSelector = new LabelSelectorSpec();
    peer.podSelector.matchLabels = labels;
    return peer;
  }

  private static PeerSpec namespaces(LabelSelectorSpec selector) {
    PeerSpec peer = new PeerSpec();
    peer.namespaceSelector = selector;
    return peer;
  }

  private static PeerSpec both(Map<String, String> podLabels, Map<String, String> namespaceLabels) {
    PeerSpec peer = pods(podLabels);
    peer.namespaceSelector = new LabelSelectorSpec();
    peer.namespaceSelector.matchLabels = namespaceLabels;
    return peer;
  }

  private static PeerSpec expression(String key, Operator operator, List<String> values) {
    Requirement requirement = new Requirement();
    requirement.key = key;
    requirement.operator = operator;
    requirement.values = values;
    PeerSpec peer = new PeerSpec();
    peer.podSelector = new LabelSelectorSpec();
    peer.podSelector.matchExpressions = List.of(requirement);
    return peer;
  }

  private static PeerSpec addresses(String cidr, String... except) {
    PeerSpec peer = new PeerSpec();
    peer.ipBlock = new PeerSpec.IpBlockSpec();
    peer.ipBlock.cidr = cidr;
    peer.ipBlock.except = except.length == 0 ? null : List.of(except);
    return peer;
  }
}
