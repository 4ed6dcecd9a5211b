#!/usr/bin/env bash
# The README's one command. On a Debian 12 machine, as root, it sets everything up and shows the
# operator at work end to end, printing each step, the commands it runs and where to look:
#
#   setup   installs the Debian packages it needs (only the missing ones), provisions the
#           control-plane binaries (scripts/provision-control-plane.sh: kube-apiserver 1.20.2 is
#           built once from Debian's source, about 6 minutes; later runs reuse the cache) and
#           builds the operator jar and the test classes (mvn package -DskipTests)
#   demo    dev.registryoperator.demo.Demo: etcd and kube-apiserver on 127.0.0.1, the CRDs and the
#           operator's RBAC, the operator jar as a process with its ServiceAccount's permissions,
#           examples/ applied with kubectl, the registry pod run on this machine by the pod runner,
#           then an image pushed and pulled with skopeo as the example users over verified TLS
#
# Usage:
#   scripts/demo.sh                  run the demo, then stop everything it started
#   scripts/demo.sh --keep-running   leave it all running, until Ctrl-C or scripts/demo.sh --stop
#   scripts/demo.sh --stop           stop a demo left running
#
# Everything it writes is under target/demo/ (kubeconfig, env, client/, logs/); the first
# provisioning also fills $HOME/.cache/registry-operator. Takes about a minute after the first run.
set -euo pipefail

usage() {
  sed -n '/^# Usage:/,/^# Everything/p' "$0" | sed -e 's/^# \{0,1\}//' -e '$d'
}

say() { echo "$*"; }
die() {
  echo "demo.sh: $*" >&2
  exit 1
}

KEEP_RUNNING=false
STOP=false
for arg in "$@"; do
  case "$arg" in
    --keep-running) KEEP_RUNNING=true ;;
    --stop) STOP=true ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done

cd "$(dirname "$0")/.."
readonly DEMO_DIR=target/demo
readonly LOGS=$DEMO_DIR/logs
readonly PID_FILE=$DEMO_DIR/demo.pid
readonly MAIN_CLASS=dev.registryoperator.demo.Demo
readonly JAVA_HOME_17=/usr/lib/jvm/java-17-openjdk-amd64

# A path that must exist -> the Debian package that provides it.
readonly -A NEEDED=(
  [/usr/bin/mvn]=maven
  ["$JAVA_HOME_17/bin/javac"]=openjdk-17-jdk-headless
  [/usr/bin/docker-registry]=docker-registry
  [/usr/sbin/nginx]=nginx-light
  [/usr/bin/skopeo]=skopeo
  [/usr/bin/curl]=curl
  [/usr/sbin/ip]=iproute2
  [/usr/bin/unshare]=util-linux
  [/usr/bin/nsenter]=util-linux
  [/usr/bin/setpriv]=util-linux
)
# Packages whose install starts a system service the demo does not want (it runs its own
# registry and nginx inside the pod).
readonly -A SERVICES=([docker-registry]=docker-registry [nginx-light]=nginx)

demo_pid() {
  # The pid of a demo that is still running, if the pid file names one.
  local pid
  [[ -s "$PID_FILE" ]] || return 1
  pid=$(<"$PID_FILE")
  [[ "$pid" =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$MAIN_CLASS" || return 1
  echo "$pid"
}

# The registry pod's processes outlive a demo killed with SIGKILL (the control plane and the
# operator do not: they run with a parent-death signal). The demo records the pod's network
# namespace and name; remove what is left, after checking that the namespace's processes are
# that pod's (their command lines name its sandbox directory, /tmp/pod-runner-<pod>-*).
remove_leftover_pod() {
  local record=$DEMO_DIR/pod netns pod pids pid ours=false
  [[ -s "$record" ]] || return 0
  read -r netns pod <"$record" || true
  rm -f "$record"
  [[ -n "${netns:-}" && -n "${pod:-}" ]] || return 0
  ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$netns" || return 0
  pids=$(ip netns pids "$netns" 2>/dev/null || true)
  for pid in $pids; do
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "/pod-runner-$pod-"; then ours=true; fi
  done
  $ours || return 0
  # shellcheck disable=SC2086 # a list of pids
  kill -KILL $pids 2>/dev/null || true
  ip netns delete "$netns" 2>/dev/null || true
  rm -rf "/tmp/pod-runner-$pod-"*
  say "Removed registry pod $pod that a killed demo left running (network namespace $netns)"
}

# ---------------------------------------------------------------------------------------------
# Checks: say everything that is wrong at once.

problems=()
if [[ "$(uname -s)" != Linux || "$(uname -m)" != x86_64 ]]; then
  problems+=("it needs Linux on x86_64 (the control-plane binaries are built for linux-amd64); this is $(uname -s) $(uname -m)")
fi
os_release() {
  # One field of /etc/os-release, read in a subshell so its variables stay there.
  # shellcheck source=/dev/null
  (. /etc/os-release 2>/dev/null && printf '%s\n' "${!1:-}") || true
}
os_id=$(os_release ID)
os_version=$(os_release VERSION_ID)
os_name=$(os_release PRETTY_NAME)
if [[ "$os_id" != debian || "$os_version" != 12 ]]; then
  problems+=("it needs Debian 12 (bookworm): it installs Debian's docker-registry, nginx, skopeo and etcd
    and builds kube-apiserver 1.20.2 from Debian's kubernetes source package.
    This machine is ${os_name:-of unknown kind (no /etc/os-release)}. Use a Debian 12 VM or machine.")
fi
if ((EUID != 0)); then
  problems+=("it needs root: it installs Debian packages and runs the registry pod in network and mount
    namespaces, as a kubelet does. Run it as root, e.g. sudo scripts/demo.sh")
fi
if ((${#problems[@]} > 0)); then
  echo "demo.sh: cannot run here:" >&2
  for problem in "${problems[@]}"; do echo "  - $problem" >&2; done
  exit 1
fi

if $STOP; then
  if ! pid=$(demo_pid); then
    say "No demo is running."
    remove_leftover_pod
    rm -f "$PID_FILE"
    exit 0
  fi
  say "Stopping the demo (pid $pid) ..."
  kill -TERM "$pid"
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || { say "Stopped."; exit 0; }
    sleep 0.5
  done
  die "the demo (pid $pid) did not stop within 60 s; look at $LOGS/demo.log, then kill -9 $pid"
fi

if pid=$(demo_pid); then
  die "a demo is already running (pid $pid): stop it with scripts/demo.sh --stop"
fi

# ---------------------------------------------------------------------------------------------
# Setup

started=$SECONDS
say "Registry Operator demo, in $PWD"
remove_leftover_pod
rm -rf "$DEMO_DIR"
mkdir -p "$LOGS"

missing=()
for path in "${!NEEDED[@]}"; do
  if [[ ! -x "$path" ]]; then
    pkg=${NEEDED[$path]}
    [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
  fi
done
if ((${#missing[@]} == 0)); then
  say "[setup] packages: all present"
else
  say "[setup] packages: installing ${missing[*]} (log: $LOGS/apt.log)"
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; } \
      >"$LOGS/apt.log" 2>&1; then
    tail -n 20 "$LOGS/apt.log" >&2
    die "installing ${missing[*]} failed; full log: $LOGS/apt.log"
  fi
  # Their install starts system services: stop those again, the demo leaves nothing running.
  for pkg in "${missing[@]}"; do
    service=${SERVICES[$pkg]:-}
    if [[ -n "$service" ]] && command -v systemctl >/dev/null && systemctl is-active --quiet "$service" 2>/dev/null; then
      systemctl disable --now --quiet "$service" >>"$LOGS/apt.log" 2>&1 || true
      say "[setup] stopped and disabled the $service service that installing $pkg started"
    fi
  done
fi

# Progress of a first provisioning (the kube-apiserver build) goes to stderr, visibly.
control_plane=$(scripts/provision-control-plane.sh) || die "provisioning the control plane failed (see above)"
export "${control_plane?}"
say "[setup] control-plane binaries: $KUBE_API_TEST_DIR (scripts/provision-control-plane.sh)"

build_started=$SECONDS
say "[setup] build: mvn -B package -DskipTests (log: $LOGS/build.log)"
if ! JAVA_HOME=$JAVA_HOME_17 mvn -B package -DskipTests \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.outputFile="$DEMO_DIR/classpath" -Dmdep.includeScope=test >"$LOGS/build.log" 2>&1; then
  grep -E '^\[ERROR\]' "$LOGS/build.log" | head -n 20 >&2 || tail -n 20 "$LOGS/build.log" >&2
  die "the build failed; full log: $LOGS/build.log"
fi
say "[setup] built in $((SECONDS - build_started)) s; setup took $((SECONDS - started)) s"

demo_args=()
if $KEEP_RUNNING; then demo_args+=(--keep-running); fi
# exec: Ctrl-C and `--stop` reach the demo itself, which stops what it started.
exec "$JAVA_HOME_17/bin/java" -cp "target/test-classes:target/classes:$(<"$DEMO_DIR/classpath")" \
  "$MAIN_CLASS" "${demo_args[@]}"
