#!/usr/bin/env bash
# The README's one command. On a Debian 12 machine, as root, it brings up a real single-node
# Kubernetes cluster (scripts/cluster.sh: kubelet, containerd, the control plane), installs the
# operator the way the README tells users to, and ends with a workload pod running an image that
# kubelet pulled from the operator's registry. It prints each step and the commands it runs:
#
#   setup     the Debian packages it needs (only the missing ones) and the operator jar
#             (mvn package -DskipTests)
#   cluster   scripts/cluster.sh up: Kubernetes 1.20.2 built once from Debian's source (about 8 min
#             on 2 cores, cached), the images built from Debian packages (cached), then the cluster
#             itself (about 30 s); the operator image from the jar
#   install   crds/ and deploy/node-agent/ (the operator, two replicas, its node agent) with kubectl
#   use       examples/ applied to namespace registry-demo; an image pushed as alice with skopeo
#             over verified TLS; a Deployment that runs it, pulled by kubelet with ci-pull's pull
#             Secret through the node agent's configuration
#
# Usage:
#   scripts/demo.sh                  run the demo, then stop the cluster
#   scripts/demo.sh --keep-running   leave the cluster running (stop it with scripts/demo.sh --stop)
#   scripts/demo.sh --stop           stop a cluster left running
#
# Everything it writes is under target/demo/ (client files, logs) and the cluster's state directory
# (scripts/cluster.sh -h). Takes about 1.5 minutes after the first run.
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
readonly CLIENT=$DEMO_DIR/client
readonly NAMESPACE=registry-demo
readonly REGISTRY_HOST=demo.$NAMESPACE.svc:15000
readonly IMAGE=$REGISTRY_HOST/demo/hello:1
readonly JAVA_HOME_17=/usr/lib/jvm/java-17-openjdk-amd64
CACHE_DIR=${REGISTRY_OPERATOR_CACHE:-$HOME/.cache/registry-operator}

# A path that must exist -> the Debian package that provides it (cluster.sh installs its own).
readonly -A NEEDED=(
  [/usr/bin/mvn]=maven
  ["$JAVA_HOME_17/bin/javac"]=openjdk-17-jdk-headless
  [/usr/bin/skopeo]=skopeo
  [/usr/bin/curl]=curl
)

# ---------------------------------------------------------------------------------------------
# Checks: say everything that is wrong at once.

problems=()
if [[ "$(uname -s)" != Linux || "$(uname -m)" != x86_64 ]]; then
  problems+=("it needs Linux on x86_64; this is $(uname -s) $(uname -m)")
fi
os_release() {
  # shellcheck source=/dev/null
  (. /etc/os-release 2>/dev/null && printf '%s\n' "${!1:-}") || true
}
if [[ "$(os_release ID)" != debian || "$(os_release VERSION_ID)" != 12 ]]; then
  problems+=("it needs Debian 12 (bookworm): the cluster is built from Debian's packages and source.
    This machine is $(os_release PRETTY_NAME). Use a Debian 12 VM or machine.")
fi
if ((EUID != 0)); then
  problems+=("it needs root: it installs Debian packages and runs a kubelet and containerd.
    Run it as root, e.g. sudo scripts/demo.sh")
fi
if ((${#problems[@]} > 0)); then
  echo "demo.sh: cannot run here:" >&2
  for problem in "${problems[@]}"; do echo "  - $problem" >&2; done
  exit 1
fi

if $STOP; then
  scripts/cluster.sh down
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Helpers

started=$SECONDS
step() { echo; echo "== $* (at $((SECONDS - started)) s)"; }
# Shows a command, then runs it.
show() {
  echo "\$ $*"
  "$@"
}

# Stops the cluster at the end, unless asked to keep it; its logs go to $LOGS first.
finish() {
  local status=$?
  if [[ -n "${KUBECONFIG:-}" ]]; then
    scripts/cluster.sh logs "$LOGS/cluster" >/dev/null 2>&1 || true
  fi
  if ((status != 0)); then
    echo >&2
    echo "demo.sh: FAILED after $((SECONDS - started)) s. Everything to read is in $LOGS/" \
      "(cluster/ has every component's log, the Events and kubectl describe)." >&2
  fi
  if ! $KEEP_RUNNING || ((status != 0)); then
    scripts/cluster.sh down >>"$LOGS/cluster-down.log" 2>&1 || echo "demo.sh: cluster.sh down failed; see $LOGS/cluster-down.log" >&2
  fi
  exit "$status"
}

# Waits (up to $1 seconds) until the command after it succeeds.
wait_until() {
  local timeout=$1 deadline
  shift
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "gave up after ${timeout} s waiting for: $*"
    sleep 1
  done
}

# ---------------------------------------------------------------------------------------------
# Setup

say "Registry Operator demo, in $PWD"
rm -rf "$DEMO_DIR"
mkdir -p "$LOGS" "$CLIENT/certs"

missing=()
for path in "${!NEEDED[@]}"; do
  if [[ ! -x "$path" ]]; then
    pkg=${NEEDED[$path]}
    [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
  fi
done
step "setup"
if ((${#missing[@]} == 0)); then
  say "packages: all present"
else
  say "packages: installing ${missing[*]} (log: $LOGS/apt.log)"
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; } \
      >"$LOGS/apt.log" 2>&1; then
    tail -n 20 "$LOGS/apt.log" >&2
    die "installing ${missing[*]} failed; full log: $LOGS/apt.log"
  fi
fi
say "build: mvn -B package -DskipTests (log: $LOGS/build.log)"
if ! JAVA_HOME=$JAVA_HOME_17 mvn -B package -DskipTests >"$LOGS/build.log" 2>&1; then
  grep -E '^\[ERROR\]' "$LOGS/build.log" | head -n 20 >&2 || tail -n 20 "$LOGS/build.log" >&2
  die "the build failed; full log: $LOGS/build.log"
fi

trap finish EXIT
trap 'exit 130' INT TERM

step "cluster: a real single-node Kubernetes 1.20.2 (scripts/cluster.sh)"
show scripts/cluster.sh up
show scripts/cluster.sh load-operator-image target/registry-operator.jar
while IFS= read -r line; do export "${line?}"; done < <(scripts/cluster.sh env)
kubectl() { "$CACHE_DIR/bin/kubernetes-1.20.2/kubectl" "$@"; }
show kubectl get nodes -o wide

step "install: crds/ and deploy/node-agent/, as the README says"
# 1.20 refuses the CRDs' CEL rules in validation; its kustomize cannot load ../crds (README,
# "Install in a cluster"), so a current kubectl renders the kustomization. One overlay of the
# demo's own points the node agent at this cluster's containerd directory.
show kubectl apply --validate=false -f crds/
mkdir -p "$DEMO_DIR/install"
cat >"$DEMO_DIR/install/kustomization.yaml" <<EOF
resources:
  - ../../../deploy/node-agent
patches:
  - target:
      kind: Deployment
      name: registry-operator
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/args/-
        value: --node-agent-containerd-certs-dir=$CONTAINERD_CERTS_DIR
EOF
echo "\$ kubectl-1.36 kustomize $DEMO_DIR/install > $DEMO_DIR/install/rendered.yaml"
"$CACHE_DIR/bin/kube-apiserver-1.36.2/kubectl" kustomize "$DEMO_DIR/install" >"$DEMO_DIR/install/rendered.yaml"
show kubectl apply --validate=false -f "$DEMO_DIR/install/rendered.yaml"
show kubectl -n registry-operator-system rollout status deployment/registry-operator --timeout=180s
wait_until 120 kubectl -n registry-node-agent get daemonset registry-node-agent
show kubectl -n registry-node-agent rollout status daemonset/registry-node-agent --timeout=120s

step "use: the examples in namespace $NAMESPACE"
show kubectl create namespace "$NAMESPACE"
show kubectl apply -n "$NAMESPACE" -f examples/registry-minimal.yaml \
  -f examples/user-generated-password.yaml -f examples/user-with-secret.yaml
show kubectl wait -n "$NAMESPACE" --for condition=Ready --timeout=180s privateregistry/demo registryuser/alice registryuser/ci-pull
configured() {
  [[ "$(kubectl get -n "$NAMESPACE" privateregistry demo -o jsonpath='{.status.nodeAccess.configuredNodes}')" == 1 ]]
}
wait_until 120 configured
show kubectl get -n "$NAMESPACE" privateregistry,registryuser
show kubectl get -n "$NAMESPACE" privateregistry demo -o jsonpath='{.status.nodeAccess.hosts} configured on {.status.nodeAccess.configuredNodes} of {.status.nodeAccess.nodes} node(s){"\n"}'

step "push: an image, as alice, over TLS verified against the registry's CA"
kubectl get -n "$NAMESPACE" configmap demo-ca-bundle -o jsonpath='{.data.ca\.crt}' >"$CLIENT/certs/ca.crt"
kubectl get -n "$NAMESPACE" secret alice-pull-secret -o jsonpath='{.data.\.dockerconfigjson}' |
  base64 -d >"$CLIENT/alice-auth.json"
say "(the CA from ConfigMap demo-ca-bundle, alice's credentials from her pull Secret, in $CLIENT/)"
anonymous_status() {
  curl -sS -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$CLIENT/certs/ca.crt" "https://$REGISTRY_HOST/v2/"
}
# Ready means the Deployment is available; kube-proxy routes the Service a moment later.
wait_until 60 anonymous_status
anonymous=$(anonymous_status)
say "anonymous GET https://$REGISTRY_HOST/v2/ -> $anonymous"
[[ "$anonymous" == 401 ]] || die "an anonymous request got $anonymous, not 401"
busybox=$(find "$CACHE_DIR/cluster-images" -maxdepth 1 -name 'busybox-*.tar' -print -quit)
[[ -n "$busybox" ]] || die "scripts/cluster.sh built no busybox image"
printf '{"default":[{"type":"insecureAcceptAnything"}]}' >"$CLIENT/policy.json"
show skopeo --policy "$CLIENT/policy.json" copy --quiet --dest-authfile "$CLIENT/alice-auth.json" \
  --dest-cert-dir "$CLIENT/certs" "docker-archive:$busybox" "docker://$IMAGE"

step "run: a Deployment whose pod kubelet pulls from the registry with ci-pull's pull Secret"
cat >"$DEMO_DIR/hello.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
spec:
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello}
    spec:
      imagePullSecrets:
        - name: ci-pull-pull-secret
      containers:
        - name: hello
          image: $IMAGE
          imagePullPolicy: Always
          command: ["sh", "-c", "echo hello from an image kubelet pulled from the Registry Operator; exec sleep 3600"]
EOF
show kubectl apply -n "$NAMESPACE" -f "$DEMO_DIR/hello.yaml"
show kubectl rollout status -n "$NAMESPACE" deployment/hello --timeout=120s
show kubectl get pods -n "$NAMESPACE" -l app=hello -o 'jsonpath={range .items[*]}{.metadata.name}: {.status.containerStatuses[0].imageID}{"\n"}{end}'
show kubectl logs -n "$NAMESPACE" deployment/hello | tee "$LOGS/hello.log"
grep -q '^hello from an image kubelet pulled' "$LOGS/hello.log" || die "the workload did not say hello"

# The operator runs with exactly the RBAC deploy/ grants; a refusal would show in its log.
kubectl logs -n registry-operator-system deployment/registry-operator --all-containers >"$LOGS/operator.log" 2>&1 || true
if grep -qi 'forbidden' "$LOGS/operator.log"; then
  grep -i 'forbidden' "$LOGS/operator.log" | head -n 5 >&2
  die "the operator was refused by RBAC (above); deploy/ lacks a permission"
fi

step "done in $((SECONDS - started)) s"
if $KEEP_RUNNING; then
  say "The cluster keeps running. export KUBECONFIG=$KUBECONFIG, kubectl is $CACHE_DIR/bin/kubernetes-1.20.2/kubectl."
  say "The registry answers on this machine at https://$REGISTRY_HOST (CA: $CLIENT/certs/ca.crt)."
  say "Stop it with: scripts/demo.sh --stop"
fi
