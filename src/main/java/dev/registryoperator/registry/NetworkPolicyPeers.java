package dev.registryoperator.registry;

import dev.registryoperator.api.v1alpha1.LabelSelectorSpec;
import dev.registryoperator.api.v1alpha1.LabelSelectorSpec.Operator;
import dev.registryoperator.api.v1alpha1.LabelSelectorSpec.Requirement;
import dev.registryoperator.api.v1alpha1.NetworkPolicySpec;
import dev.registryoperator.api.v1alpha1.PeerSpec;
import dev.registryoperator.api.v1alpha1.PeerSpec.IpBlockSpec;
import dev.registryoperator.status.Problem;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bouncycastle.util.IPAddress;

/**
 * The peers of spec.networkPolicy, checked the way the API server checks a NetworkPolicy's peers: a
 * peer it would refuse would fail every apply of the policy (retried, never fixed by retrying), so
 * it is the user's to fix and reported as such. The shape is also a CEL rule (servers from 1.25);
 * the CIDRs only here, as CEL learnt CIDRs only in 1.31. Messages name the peer by its position and
 * never quote the user's text.
 */
final class NetworkPolicyPeers {

  private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";

  /** Dotted quads; no leading zeros, which current API servers refuse. */
  private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");

  private static final Pattern PREFIX_LENGTH = Pattern.compile("0|[1-9][0-9]{0,2}");

  /** A label value, and the name part of a key: at most 63 characters (checked apart). */
  private static final Pattern LABEL_NAME =
      Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

  /** The prefix of a label key: a DNS subdomain of at most 253 characters (checked apart). */
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private static final String LABEL_RULES =
      "Label values and the name in a key (after an optional DNS prefix and '/') have at most 63"
          + " letters, digits, '-', '_' and '.', starting and ending with a letter or digit.";

  private NetworkPolicyPeers() {}

  static Optional<Problem> check(NetworkPolicySpec policy) {
    if (policy == null) {
      return Optional.empty();
    }
    return check("spec.networkPolicy.from", policy.from)
        .or(() -> check("spec.networkPolicy.metricsFrom", policy.metricsFrom));
  }

  private static Optional<Problem> check(String field, List<PeerSpec> peers) {
    if (peers == null) {
      return Optional.empty();
    }
    if (peers.isEmpty()) {
      return invalid(field + " needs at least one peer; omit it for its default.");
    }
    for (int i = 0; i < peers.size(); i++) {
      String where = field + "[" + i + "]";
      PeerSpec peer = peers.get(i);
      boolean selects = peer.podSelector != null || peer.namespaceSelector != null;
      if (peer.ipBlock == null ? !selects : selects) {
        return invalid(where + ": " + PeerSpec.SHAPE_MESSAGE);
      }
      Optional<Problem> problem =
          check(where + ".podSelector", peer.podSelector)
              .or(() -> check(where + ".namespaceSelector", peer.namespaceSelector))
              .or(() -> check(where + ".ipBlock", peer.ipBlock));
      if (problem.isPresent()) {
        return problem;
      }
    }
    return Optional.empty();
  }

  private static Optional<Problem> check(String where, LabelSelectorSpec selector) {
    if (selector == null) {
      return Optional.empty();
    }
    Map<String, String> labels = selector.matchLabels == null ? Map.of() : selector.matchLabels;
    for (Map.Entry<String, String> label : labels.entrySet()) {
      if (!isLabelKey(label.getKey())) {
        return invalid(where + ".matchLabels has a key that is not a label key. " + LABEL_RULES);
      }
      if (!isLabelValue(label.getValue())) {
        return invalid(
            where + ".matchLabels has a value that is not a label value. " + LABEL_RULES);
      }
    }
    List<Requirement> requirements =
        selector.matchExpressions == null ? List.of() : selector.matchExpressions;
    for (int i = 0; i < requirements.size(); i++) {
      String requirementWhere = where + ".matchExpressions[" + i + "]";
      Requirement requirement = requirements.get(i);
      if (!isLabelKey(requirement.key)) {
        return invalid(requirementWhere + ".key is not a label key. " + LABEL_RULES);
      }
      List<String> values = requirement.values == null ? List.of() : requirement.values;
      boolean needsValues =
          requirement.operator == Operator.In || requirement.operator == Operator.NotIn;
      if (requirement.operator == null || needsValues == values.isEmpty()) {
        return invalid(requirementWhere + ": " + Requirement.VALUES_MESSAGE);
      }
      if (!values.stream().allMatch(NetworkPolicyPeers::isLabelValue)) {
        return invalid(
            requirementWhere + ".values has one that is not a label value. " + LABEL_RULES);
      }
    }
    return Optional.empty();
  }

  private static boolean isLabelKey(String key) {
    if (key == null) {
      return false;
    }
    int slash = key.indexOf('/');
    String name = slash < 0 ? key : key.substring(slash + 1);
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      if (prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
        return false;
      }
    }
    return !name.isEmpty() && isLabelValue(name);
  }

  private static boolean isLabelValue(String value) {
    return value != null
        && value.length() <= 63
        && (value.isEmpty() || LABEL_NAME.matcher(value).matches());
  }

  private static Optional<Problem> check(String where, IpBlockSpec block) {
    if (block == null) {
      return Optional.empty();
    }
    Optional<Cidr> cidr = Cidr.parse(block.cidr);
    if (cidr.isEmpty()) {
      return invalid(where + ".cidr is not a CIDR (such as 10.0.0.0/8 or fd00::/8).");
    }
    List<String> excepts = block.except == null ? List.of() : block.except;
    for (int i = 0; i < excepts.size(); i++) {
      String exceptWhere = where + ".except[" + i + "]";
      Optional<Cidr> except = Cidr.parse(excepts.get(i));
      if (except.isEmpty()) {
        return invalid(exceptWhere + " is not a CIDR (such as 10.1.0.0/16).");
      }
      if (!cidr.get().strictlyContains(except.get())) {
        return invalid(exceptWhere + " must be a smaller range inside " + where + ".cidr.");
      }
    }
    return Optional.empty();
  }

  private static Optional<Problem> invalid(String message) {
    return Optional.of(new Problem("InvalidSpec", message));
  }

  /** An address range: the network's bits and its prefix length. */
  record Cidr(int bits, BigInteger network, int prefixLength) {

    static Optional<Cidr> parse(String text) {
      if (text == null) {
        return Optional.empty();
      }
      int slash = text.indexOf('/');
      if (slash < 0 || !PREFIX_LENGTH.matcher(text.substring(slash + 1)).matches()) {
        return Optional.empty();
      }
      String address = text.substring(0, slash);
      int prefixLength = Integer.parseInt(text.substring(slash + 1));
      boolean v4 = IPV4.matcher(address).matches();
      // Only literals reach InetAddress, so it never asks DNS.
      if (!v4 && !IPAddress.isValidIPv6(address)) {
        return Optional.empty();
      }
      byte[] bytes;
      try {
        bytes = InetAddress.getByName(address).getAddress();
      } catch (UnknownHostException e) {
        return Optional.empty();
      }
      int bits = v4 ? 32 : 128;
      if (prefixLength > bits || bytes.length * 8 != bits) {
        return Optional.empty();
      }
      return Optional.of(
          new Cidr(bits, masked(new BigInteger(1, bytes), bits, prefixLength), prefixLength));
    }

    /** Like the API server: the other's network lies in this one, and it is smaller. */
    boolean strictlyContains(Cidr other) {
      return bits == other.bits
          && other.prefixLength > prefixLength
          && masked(other.network, bits, prefixLength).equals(network);
    }

    private static BigInteger masked(BigInteger address, int bits, int prefixLength) {
      BigInteger hostBits = BigInteger.ONE.shiftLeft(bits - prefixLength).subtract(BigInteger.ONE);
      return address.andNot(hostBits);
    }
  }
}
