#!/usr/bin/env bash
# The project's test command (the README's "Test" section; .ci/run runs exactly this).
#
# Installs what the tests use when it is missing (Debian packages: needs root), provisions the
# Kubernetes binaries (1.20.2 built once into a cache: the API server of the integration tier and
# the node and control-plane binaries of the real cluster; 1.36.2 from ../shared or the Kubernetes
# release site; all reused later), fetches cert-manager's released CRDs into the same cache where
# the internet is reachable (scripts/cert-manager-crds.sh), and runs `mvn verify`: unit tests,
# mock-server loop tests, the integration tier on both API servers, the pod-runner end-to-end tests, and the real-cluster
# tier (scripts/cluster.sh, brought up and down by the tests themselves, its own packages and
# images installed and built by that script).
# Extra arguments go to Maven, e.g. scripts/test.sh -Dit.test=PrivateRegistryIT
set -euo pipefail
cd "$(dirname "$0")/.."

# command -> Debian package providing it
declare -A TOOLS=(
  [mvn]=maven
  [javac]=openjdk-17-jdk-headless
  [nginx]=nginx-light
  [docker-registry]=docker-registry
  [skopeo]=skopeo
  [umoci]=umoci
  [openssl]=openssl
  [ip]=iproute2
  [curl]=curl
  [setpriv]=util-linux
  [lua5.1]=lua5.1
)
missing=()
for tool in "${!TOOLS[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("${TOOLS[$tool]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: missing packages: ${missing[*]}" >&2
    echo "test.sh: install them (sudo apt-get install ${missing[*]}) or run this script as root" >&2
    exit 1
  fi
  echo "test.sh: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Debian packages start system services on install where an init system runs; the tests
# start their own instances, so stop those (quietly: containers usually have no init).
for service in nginx docker-registry; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
    systemctl stop "$service" || true
  fi
done

# Prints KUBE_API_TEST_DIR=<dir>; a failed provisioning stops here (set -e sees the assignment).
control_plane=$(scripts/provision-control-plane.sh)
export "$control_plane"
# cert-manager's released CRDs for CertManagerIT when they can be had (else it uses its stand-in).
cert_manager_crds=$(scripts/cert-manager-crds.sh)
if [ -n "$cert_manager_crds" ]; then
  export "$cert_manager_crds"
fi
# CI shows only the end of the output: on a failure, the failed tests' stack traces go last.
status=0
mvn -B verify "$@" || status=$?
if [ "$status" -ne 0 ]; then
  scripts/lib/failed-tests.sh target
fi
exit "$status"
