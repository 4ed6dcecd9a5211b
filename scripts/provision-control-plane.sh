#!/usr/bin/env bash
# Provision two real Kubernetes control planes (etcd, kube-apiserver, kubectl) for the
# io.fabric8:kube-api-test library on Debian 12 (bookworm): 1.20.2, the only server Debian can
# build, and 1.36.2, a current one. The integration tier runs on both.
#
# 1.20.2 needs no network access beyond Debian's own package archive:
# Where each binary comes from:
#   etcd            Debian package etcd-server (/usr/bin/etcd), installed with apt.
#   kube-apiserver, kubectl, and the node and control-plane binaries of the real-cluster tier
#   (kubelet, kube-controller-manager, kube-scheduler, kube-proxy; scripts/cluster.sh runs them)
#                   all built once, in one `make` in one tree (the vendored packages are shared),
#                   from Debian's `kubernetes` source package (1.20.2, fully vendored) with Debian's
#                   Go 1.19, with the vendored modern-go/reflect2 1.0.1 replaced by Debian's 1.0.2
#                   (1.0.1 crashes under Go >= 1.18 on the first custom-resource create; Debian's own
#                   kubectl 1.20.2 package has the same bug and panics in `kubectl config`). The
#                   source is fetched with a private apt configuration whose deb-src entries reuse
#                   the archive URIs that this machine is already configured with, so nothing under
#                   /etc/apt is changed.
#
# 1.36.2:
#   kube-apiserver  from ../shared/kube-apiserver-1.36 next to the project (CI and development
#                   machines; $REGISTRY_OPERATOR_SHARED overrides the folder), checked against the
#                   sha256 pinned below; without it, the official release binary from the Kubernetes
#                   release download site, checked against the sha256 published beside it.
#   etcd, kubectl   etcd-server 3.5 and kubectl 1.36 .debs from Debian sid through a private apt
#                   state (same mirror URI as the machine's bookworm entry), unpacked with dpkg -x,
#                   never installed: adding sid to /etc/apt would upgrade libc and more.
#
# Layout (kube-api-test looks for $KUBE_API_TEST_DIR/k8s/<version>-linux-amd64/{etcd,kube-apiserver,kubectl}):
#   $REGISTRY_OPERATOR_CACHE            default: $HOME/.cache/registry-operator
#     bin/kubernetes-1.20.2/            the six binaries built from Debian's source
#     bin/kube-apiserver-1.36.2/        kube-apiserver, etcd and kubectl for 1.36.2
#     provision-control-plane.log       log of the last run that had work to do
#   $KUBE_API_TEST_DIR                  default: $REGISTRY_OPERATOR_CACHE/kube-api-test (must be writable:
#     k8s/1.20.2-linux-amd64/           kube-api-test writes its certificates there)
#     k8s/1.36.2-linux-amd64/
#
# Usage:
#   scripts/provision-control-plane.sh              provision (as root on a fresh machine), then print
#                                                   KUBE_API_TEST_DIR=<dir> as the only line on stdout
#   scripts/provision-control-plane.sh --print-dir  print the directory only; builds nothing
#   scripts/provision-control-plane.sh --rebuild    rebuild the Kubernetes binaries and re-fetch the 1.36 ones
#
#   export KUBE_API_TEST_DIR=$(scripts/provision-control-plane.sh --print-dir)
#
# The first run takes about 8 minutes on 2 cores (the Kubernetes build: 463 s measured); later runs take
# well under a second and print only the final line.
set -euo pipefail

readonly K8S_VERSION=1.20.2
readonly PLATFORM=linux-amd64
readonly REFLECT2_SRC=/usr/share/gocode/src/github.com/modern-go/reflect2
readonly ETCD_BIN=/usr/bin/etcd
readonly DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
readonly RUNTIME_PACKAGES=(etcd-server)

readonly CURRENT_VERSION=1.36.2
# sha256 of the unpacked binary in ../shared/kube-apiserver-1.36 (its SHA256SUMS, "kube-apiserver (unpacked)").
readonly CURRENT_SHARED_SHA256=48159294b1cd40130a3fe29a4f4d23135a57afe03bb155fbace20183390e3474
readonly CURRENT_RELEASE_URL=https://dl.k8s.io/release/v$CURRENT_VERSION/bin/linux/amd64/kube-apiserver
readonly CURRENT_ETCD_SERIES=3.5.
readonly CURRENT_KUBECTL_SERIES=1.36.
readonly BUILD_PACKAGES=(golang-go golang-github-modern-go-reflect2-dev dpkg-dev make rsync)

usage() {
  sed -n '/^# Usage:/,/^# The first run/p' "$0" | sed -e 's/^# \{0,1\}//' -e '$d'
}

die() {
  echo "provision-control-plane: error: $*" >&2
  exit 1
}

PRINT_DIR=false
REBUILD=false
for arg in "$@"; do
  case "$arg" in
    --print-dir) PRINT_DIR=true ;;
    --rebuild) REBUILD=true ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done

if [[ -z "${REGISTRY_OPERATOR_CACHE:-}" && -z "${HOME:-}" ]]; then
  die "neither REGISTRY_OPERATOR_CACHE nor HOME is set; cannot choose a cache directory"
fi
CACHE_DIR=${REGISTRY_OPERATOR_CACHE:-$HOME/.cache/registry-operator}
KUBE_API_TEST_DIR=${KUBE_API_TEST_DIR:-$CACHE_DIR/kube-api-test}

if $PRINT_DIR; then
  echo "$KUBE_API_TEST_DIR"
  exit 0
fi

readonly BIN_CACHE=$CACHE_DIR/bin/kubernetes-$K8S_VERSION
readonly APISERVER=$BIN_CACHE/kube-apiserver
readonly KUBECTL=$BIN_CACHE/kubectl
readonly BUILT_COMMANDS=(kube-apiserver kubectl kubelet kube-controller-manager kube-scheduler kube-proxy)
readonly WORK=$CACHE_DIR/build
readonly LOG=$CACHE_DIR/provision-control-plane.log
readonly TARGET_DIR=$KUBE_API_TEST_DIR/k8s/$K8S_VERSION-$PLATFORM
readonly CURRENT_BIN_CACHE=$CACHE_DIR/bin/kube-apiserver-$CURRENT_VERSION
readonly CURRENT_TARGET_DIR=$KUBE_API_TEST_DIR/k8s/$CURRENT_VERSION-$PLATFORM
SHARED_DIR=${REGISTRY_OPERATOR_SHARED:-$(cd "$(dirname "$0")/.." && pwd)/../shared}
readonly CURRENT_SHARED_XZ=$SHARED_DIR/kube-apiserver-1.36/kube-apiserver-v$CURRENT_VERSION.xz

# ---------------------------------------------------------------------------------------------
# Helpers

LOG_STARTED=false
start_log() {
  if ! $LOG_STARTED; then
    : >"$LOG"
    LOG_STARTED=true
  fi
}

note() {
  # Progress lines, only printed when there is real work to do (never on a cached run).
  echo "provision-control-plane: $*" >&2
  start_log
  echo "=== $* ($(date -u +%H:%M:%S))" >>"$LOG"
}

fail() {
  {
    echo "provision-control-plane: error: $*"
    if [[ -s "$LOG" ]]; then
      echo "---- last lines of $LOG ----"
      tail -n 40 "$LOG"
      echo "---- end of log (full log: $LOG) ----"
    fi
  } >&2
  exit 1
}

# Runs a command with its output appended to the log; on failure shows the log's tail and exits.
run() {
  start_log
  echo "+ $*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || fail "command failed: $*"
}

# Every built binary is there and reports the version (kubectl prints it differently).
kubernetes_ok() {
  local command out
  for command in "${BUILT_COMMANDS[@]}"; do
    [[ -x "$BIN_CACHE/$command" ]] || return 1
    if [[ "$command" == kubectl ]]; then
      out=$("$KUBECTL" version --client --short 2>/dev/null) || return 1
      [[ "$out" == "Client Version: v$K8S_VERSION" ]] || return 1
    else
      out=$("$BIN_CACHE/$command" --version 2>/dev/null) || return 1
      [[ "$out" == "Kubernetes v$K8S_VERSION" ]] || return 1
    fi
  done
}

# ---------------------------------------------------------------------------------------------
# Host packages (the only step that needs root, and only when something is missing)

# shellcheck source=lib/debian-packages.sh
. "$(dirname "$0")/lib/debian-packages.sh"

# ---------------------------------------------------------------------------------------------
# Private apt configuration: same archive URIs as the machine's own Debian entries, with deb-src
# added; separate lists and cache, so nothing under /etc/apt or /var/lib/apt is touched.

APT_PRIVATE=()
setup_private_apt() {
  if ((${#APT_PRIVATE[@]} > 0)); then return 0; fi
  local apt_dir entries signed_by=""
  apt_dir=$WORK/apt
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/sources.list.d"

  # apt itself parses the machine's configuration (one-line and deb822 formats alike); keep the
  # Debian suites of this release, main component only.
  # shellcheck disable=SC2016 # $(...) are apt's format fields, not shell
  entries=$(apt-get indextargets --no-release-info \
      --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT)' 2>/dev/null |
    awk -v c="$CODENAME" '$1 == "deb" && $4 == "main" &&
        ($3 == c || $3 == c "-updates" || $3 == c "-security") { print $2, $3 }' | sort -u)
  [[ -n "$entries" ]] ||
    fail "no Debian '$CODENAME' archive (component main) is configured in /etc/apt; cannot fetch sources"

  if [[ -r "$DEBIAN_KEYRING" ]]; then signed_by="[signed-by=$DEBIAN_KEYRING] "; fi
  awk -v o="$signed_by" '{ print "deb " o $1 " " $2 " main"; print "deb-src " o $1 " " $2 " main" }' \
    <<<"$entries" >"$apt_dir/sources.list"

  APT_PRIVATE=(
    -o "Dir::Etc::sourcelist=$apt_dir/sources.list"
    -o "Dir::Etc::sourceparts=$apt_dir/sources.list.d"
    -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir/cache"
  )
  # As root, apt downloads as user _apt, which cannot enter a cache under /root.
  if ((EUID == 0)); then APT_PRIVATE+=(-o "APT::Sandbox::User=root"); fi

  start_log
  {
    echo "+ private apt sources:"
    cat "$apt_dir/sources.list"
  } >>"$LOG"
  # A failing index (e.g. some entry without sources) is not fatal by itself: the next
  # apt-get call fails clearly if what we need is really missing.
  echo "+ apt-get (private) update" >>"$LOG"
  apt-get "${APT_PRIVATE[@]}" update >>"$LOG" 2>&1 ||
    echo "(private apt-get update reported errors; continuing)" >>"$LOG"
}

# ---------------------------------------------------------------------------------------------
# kube-apiserver: built from Debian's kubernetes source package

build_kubernetes() {
  note "building Kubernetes $K8S_VERSION (${BUILT_COMMANDS[*]}) from Debian's kubernetes source (one time, about 8 min); log: $LOG"
  setup_private_apt
  local src_dir=$WORK/src dl_dir=$WORK/download started=$SECONDS
  rm -rf "$src_dir" "$dl_dir"
  mkdir -p "$dl_dir" "$BIN_CACHE"

  (cd "$dl_dir" && run apt-get "${APT_PRIVATE[@]}" source --download-only kubernetes)
  local dsc
  dsc=$(find "$dl_dir" -maxdepth 1 -name 'kubernetes_*.dsc' -print -quit)
  [[ -n "$dsc" ]] || fail "apt-get source kubernetes produced no .dsc"
  [[ "$dsc" == *"really$K8S_VERSION"* ]] ||
    fail "Debian's kubernetes source is $(basename "$dsc"), expected Kubernetes $K8S_VERSION"
  # Unpacks the orig tarball and applies Debian's patches (hashes were checked by apt).
  run dpkg-source -x "$dsc" "$src_dir"
  rm -rf "$dl_dir"

  [[ -f "$REFLECT2_SRC/reflect2.go" ]] || fail "$REFLECT2_SRC is missing (package golang-github-modern-go-reflect2-dev)"
  run rm -rf "$src_dir/vendor/github.com/modern-go/reflect2"
  run cp -rL "$REFLECT2_SRC" "$src_dir/vendor/github.com/modern-go/reflect2"

  # Debian's Go 1.19 first in PATH; kubernetes' build scripts use GOPATH mode (GO111MODULE=off)
  # with their own GOPATH and GOCACHE under _output. A private HOME and GOENV=off keep user
  # settings (e.g. `go env -w GOFLAGS=...`) out and leave nothing behind in the real HOME.
  mkdir -p "$WORK/home"
  (
    cd "$src_dir"
    run env -u GOFLAGS -u GOROOT -u GOPATH \
      PATH="/usr/lib/go/bin:$PATH" HOME="$WORK/home" GOENV=off \
      CGO_ENABLED=0 GOPROXY=off \
      make WHAT="${BUILT_COMMANDS[*]/#/cmd/}"
  )
  local command
  for command in "${BUILT_COMMANDS[@]}"; do
    [[ -x "$src_dir/_output/bin/$command" ]] || fail "the build produced no _output/bin/$command"
    run install -m 0755 "$src_dir/_output/bin/$command" "$BIN_CACHE/$command.tmp"
    mv -f "$BIN_CACHE/$command.tmp" "$BIN_CACHE/$command"
  done
  kubernetes_ok || fail "the binaries in $BIN_CACHE do not all report v$K8S_VERSION"
  echo "=== built in $((SECONDS - started)) s" >>"$LOG"
  # The source tree with its Go cache is about 2.4 GB; only the binaries are kept.
  rm -rf "$src_dir" "${WORK:?}/home"
}

# ---------------------------------------------------------------------------------------------
# 1.36.2: kube-apiserver from ../shared or the release site; etcd 3.5 and kubectl 1.36 from sid

current_apiserver_ok() {
  [[ -x "$CURRENT_BIN_CACHE/kube-apiserver" ]] &&
    [[ "$("$CURRENT_BIN_CACHE/kube-apiserver" --version 2>/dev/null)" == "Kubernetes v$CURRENT_VERSION" ]]
}

# Output captured first: with pipefail, `grep -q` closing the pipe early fails the check at random.
current_etcd_ok() {
  local out
  [[ -x "$CURRENT_BIN_CACHE/etcd" ]] && out=$("$CURRENT_BIN_CACHE/etcd" --version 2>/dev/null) &&
    [[ "$out" == *"etcd Version: $CURRENT_ETCD_SERIES"* ]]
}

current_kubectl_ok() {
  local out
  [[ -x "$CURRENT_BIN_CACHE/kubectl" ]] && out=$("$CURRENT_BIN_CACHE/kubectl" version --client 2>/dev/null) &&
    [[ "$out" == *"Client Version: v$CURRENT_KUBECTL_SERIES"* ]]
}

fetch_current_apiserver() {
  local dest=$CURRENT_BIN_CACHE/kube-apiserver
  mkdir -p "$CURRENT_BIN_CACHE"
  if [[ -r "$CURRENT_SHARED_XZ" ]]; then
    note "unpacking kube-apiserver $CURRENT_VERSION from $CURRENT_SHARED_XZ"
    xz -dc "$CURRENT_SHARED_XZ" >"$dest.tmp" || fail "cannot unpack $CURRENT_SHARED_XZ"
    echo "$CURRENT_SHARED_SHA256  $dest.tmp" | sha256sum -c --status ||
      fail "$CURRENT_SHARED_XZ does not unpack to the pinned sha256 $CURRENT_SHARED_SHA256"
  else
    # A user's machine has no ../shared: the official release binary, checked against the
    # checksum the release site publishes next to it.
    note "downloading kube-apiserver $CURRENT_VERSION from $CURRENT_RELEASE_URL ($CURRENT_SHARED_XZ is absent)"
    command -v curl >/dev/null || fail "curl is needed to download $CURRENT_RELEASE_URL"
    local published
    start_log
    echo "+ curl $CURRENT_RELEASE_URL (and .sha256)" >>"$LOG"
    if ! curl -fsSL --retry 2 -o "$dest.tmp" "$CURRENT_RELEASE_URL" 2>>"$LOG" ||
      ! published=$(curl -fsSL --retry 2 "$CURRENT_RELEASE_URL.sha256" 2>>"$LOG"); then
      rm -f "$dest.tmp"
      fail "kube-apiserver $CURRENT_VERSION is not available: $CURRENT_SHARED_XZ is absent and $CURRENT_RELEASE_URL cannot be downloaded.
  Either put the kube-apiserver-1.36 folder at $SHARED_DIR (or set REGISTRY_OPERATOR_SHARED to its parent),
  or place a kube-apiserver v$CURRENT_VERSION linux/amd64 binary at $dest yourself, then run this script again."
    fi
    echo "${published%% *}  $dest.tmp" | sha256sum -c --status ||
      fail "the downloaded kube-apiserver does not match the published sha256 ${published%% *}"
  fi
  chmod 0755 "$dest.tmp"
  mv -f "$dest.tmp" "$dest"
  current_apiserver_ok || fail "$dest does not report v$CURRENT_VERSION: $("$dest" --version 2>&1 || true)"
}

# etcd-server and kubectl from Debian sid, unpacked, never installed. The private state has its own
# (empty) dpkg status so that whatever kubectl this machine has installed is not taken as the candidate.
fetch_current_etcd_and_kubectl() {
  note "fetching etcd $CURRENT_ETCD_SERIES* and kubectl $CURRENT_KUBECTL_SERIES* from Debian sid (unpacked, not installed)"
  local sid=$WORK/sid uri signed_by=""
  rm -rf "$sid"
  mkdir -p "$sid/lists/partial" "$sid/cache/archives/partial" "$sid/debs" "$sid/root" "$CURRENT_BIN_CACHE"
  # shellcheck disable=SC2016 # $(...) are apt's format fields, not shell
  uri=$(apt-get indextargets --no-release-info --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT)' 2>/dev/null |
    awk -v c="$CODENAME" '$1 == "deb" && $3 == c && $4 == "main" { print $2; exit }')
  [[ -n "$uri" ]] || fail "no Debian '$CODENAME' archive (component main) is configured in /etc/apt; cannot fetch from sid"
  if [[ -r "$DEBIAN_KEYRING" ]]; then signed_by="[signed-by=$DEBIAN_KEYRING] "; fi
  echo "deb ${signed_by}${uri} sid main" >"$sid/sources.list"
  : >"$sid/status"
  local apt_sid=(
    -o "Dir::Etc::sourcelist=$sid/sources.list"
    -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$sid/lists"
    -o "Dir::State::status=$sid/status"
    -o "Dir::Cache=$sid/cache"
  )
  if ((EUID == 0)); then apt_sid+=(-o "APT::Sandbox::User=root"); fi
  run apt-get "${apt_sid[@]}" update
  (cd "$sid/debs" && run apt-get "${apt_sid[@]}" download etcd-server kubectl)
  local deb
  for deb in "$sid"/debs/*.deb; do
    run dpkg-deb -x "$deb" "$sid/root"
  done
  [[ -x "$sid/root/usr/bin/etcd" && -x "$sid/root/usr/bin/kubectl" ]] ||
    fail "the sid packages etcd-server and kubectl did not contain usr/bin/etcd and usr/bin/kubectl"
  run install -m 0755 "$sid/root/usr/bin/etcd" "$CURRENT_BIN_CACHE/etcd"
  run install -m 0755 "$sid/root/usr/bin/kubectl" "$CURRENT_BIN_CACHE/kubectl"
  current_etcd_ok || fail "sid's etcd is not $CURRENT_ETCD_SERIES*: $("$CURRENT_BIN_CACHE/etcd" --version 2>&1 | head -1)"
  current_kubectl_ok || fail "sid's kubectl is not $CURRENT_KUBECTL_SERIES*: $("$CURRENT_BIN_CACHE/kubectl" version --client 2>&1 | head -1)"
  rm -rf "$sid"
}

link_binaries() {
  local target=$1 link name dest
  shift
  mkdir -p "$target" 2>/dev/null || die "cannot create $target"
  for link in "$@"; do
    name=${link%%:*}
    dest=${link#*:}
    if [[ "$(readlink "$target/$name" 2>/dev/null || true)" != "$dest" ]]; then
      ln -sfn "$dest" "$target/$name"
    fi
  done
}

# ---------------------------------------------------------------------------------------------
# Main

[[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] || die "only linux-amd64 is supported (this is $(uname -s)-$(uname -m))"
command -v dpkg-query >/dev/null || die "this script needs Debian 12 (bookworm): dpkg-query not found"
CODENAME=$(awk -F= '$1 == "VERSION_CODENAME" { gsub(/["\047]/, "", $2); print $2 }' /etc/os-release 2>/dev/null || true)
[[ "$CODENAME" == bookworm ]] || die "this script needs Debian 12 (bookworm); this machine is '${CODENAME:-unknown}'"

mkdir -p "$CACHE_DIR" 2>/dev/null || die "cannot create the cache directory $CACHE_DIR"
[[ -w "$CACHE_DIR" ]] || die "the cache directory $CACHE_DIR is not writable"

# One provisioning at a time per cache (e.g. parallel test jobs).
exec 9>"$CACHE_DIR/.lock"
if ! flock -n 9; then
  echo "provision-control-plane: waiting for another run to finish with $CACHE_DIR" >&2
  flock 9
fi

if $REBUILD; then
  rm -f "${BUILT_COMMANDS[@]/#/$BIN_CACHE/}" "$CURRENT_BIN_CACHE"/{kube-apiserver,etcd,kubectl}
fi

need_kubernetes=false
kubernetes_ok || need_kubernetes=true

need_current_apiserver=false
need_current_debs=false
current_apiserver_ok || need_current_apiserver=true
{ current_etcd_ok && current_kubectl_ok; } || need_current_debs=true

if $need_kubernetes; then
  ensure_packages "${RUNTIME_PACKAGES[@]}" "${BUILD_PACKAGES[@]}"
else
  ensure_packages "${RUNTIME_PACKAGES[@]}"
fi
# xz unpacks the 1.36 server from ../shared; curl downloads it where ../shared is absent.
if $need_current_apiserver; then ensure_packages xz-utils curl; fi
[[ -x "$ETCD_BIN" ]] || die "$ETCD_BIN not found although etcd-server is installed"

if $need_kubernetes || $need_current_apiserver || $need_current_debs; then
  rm -rf "${WORK:?}"
  if $need_kubernetes; then build_kubernetes; fi
  if $need_current_apiserver; then fetch_current_apiserver; fi
  if $need_current_debs; then fetch_current_etcd_and_kubectl; fi
  rm -rf "${WORK:?}"
fi

link_binaries "$TARGET_DIR" "etcd:$ETCD_BIN" "kube-apiserver:$APISERVER" "kubectl:$KUBECTL"
link_binaries "$CURRENT_TARGET_DIR" "etcd:$CURRENT_BIN_CACHE/etcd" \
  "kube-apiserver:$CURRENT_BIN_CACHE/kube-apiserver" "kubectl:$CURRENT_BIN_CACHE/kubectl"
[[ -w "$KUBE_API_TEST_DIR" ]] || die "$KUBE_API_TEST_DIR is not writable (kube-api-test writes certificates there)"

echo "KUBE_API_TEST_DIR=$KUBE_API_TEST_DIR"
