#!/usr/bin/env bash
# A real single-node Kubernetes 1.20.2 cluster on this Debian 12 machine, for the real-cluster test
# tier: containerd + runc + CNI bridge, etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet and kube-proxy, all started by this script (no systemd needed), and the
# container images the project's manifests name, built locally and imported (nothing is pulled).
# Facts and pitfalls behind the choices below: ../shared/REAL-CLUSTER.md.
#
# Usage (as root):
#   scripts/cluster.sh up                     provision the binaries (scripts/provision-control-plane.sh),
#                                             build the images (cached), start the cluster, wait until
#                                             the node is Ready; also builds and imports the operator
#                                             image when target/registry-operator.jar exists. When
#                                             already up, says so and exits 0; a partly running
#                                             cluster (a failed `up`, a dead component) is removed first.
#   scripts/cluster.sh down                   stop everything and undo every change to the machine
#                                             (processes, mounts, addresses, iptables, sysctls, files);
#                                             keeps the binary and image caches
#   scripts/cluster.sh status                 whether it runs and the node is Ready: exit 0 when Ready,
#                                             1 when partly running or not Ready, 3 when not running
#   scripts/cluster.sh env                    KUBECONFIG=<admin kubeconfig>,
#                                             CONTAINERD_CERTS_DIR=<containerd's registry hosts dir>
#                                             CONTAINERD_ADDRESS=<containerd's socket, for ctr --address>
#   scripts/cluster.sh load-operator-image JAR  (re)build the operator image from the shaded jar and
#                                             import it (when the cluster runs); a few seconds
#   scripts/cluster.sh logs DIR               collect component logs, cluster objects, events and
#                                             container logs into DIR
#   scripts/cluster.sh restart-control-plane [SECONDS]
#                                             stop kube-apiserver and etcd (SIGTERM as a service
#                                             manager sends it, SIGKILL after 15 s: 1.20's API server
#                                             does not finish its shutdown within that), leave them
#                                             down SECONDS (default 0),
#                                             start them again on the same etcd data and wait until
#                                             the API server is ready; everything else keeps running.
#                                             Prints how long each step took (stderr)
#
#   export $(scripts/cluster.sh env)        # both lines (the paths never contain spaces); then
#                                           # kubectl / fabric8 use the cluster
#
# The first `up` on a fresh machine builds Kubernetes (about 20 minutes, once) and the images
# (about 20 s); later ones take 15-25 s. `down` takes 1-5 s.
#
# Layout:
#   $REGISTRY_OPERATOR_CACHE (default $HOME/.cache/registry-operator)
#     bin/kubernetes-1.20.2/      binaries (scripts/provision-control-plane.sh)
#     cluster-images/             image archives, named by the hash of their inputs, and the operator
#                                 image's jlinked runtime; kept by `down`
#     cluster.log                 this script's log (each `up` starts it afresh)
#   $REGISTRY_OPERATOR_CLUSTER_DIR (default /var/tmp/registry-operator-cluster), removed by `down`
#     logs/<component>.log        etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
#                                 kubelet, kube-proxy, containerd
#     pki/ kubeconfig/ config/    certificates (a fresh CA per `up`), kubeconfigs, component configs
#     containerd/                 containerd's config, root, state and socket (a system containerd
#                                 in /run/containerd and /var/lib/containerd is never touched)
#     containerd/certs.d/         registry config_path: <host>:<port>/hosts.toml
#     kubelet/ cni/ etcd/ volumes/  kubelet root, CNI config and IPAM, etcd data, hostPath volumes
#
# Addresses (all created on this machine, removed by `down`):
#   10.254.0.1/32      node IP, an alias on lo: API server (6443), kubelet (10250)
#   10.254.64.0/18     pod CIDR; this node's pods get 10.254.64.0/24 on the bridge regop0
#   10.254.128.0/20    Service CIDR (the kubernetes Service is 10.254.128.1:443)
#   Loopback only:     etcd 127.0.0.1:12379/12380, controller-manager 10257, scheduler 10259,
#                      kubelet healthz 10248, kube-proxy 10249/10256
# Pods may reach only pods, Service IPs and the node IP: the iptables chain REGISTRY-OPERATOR-EGRESS
# (mangle table, jumped to first in FORWARD) drops everything else, and the chain of that name in
# the filter table refuses any Service address kube-proxy did not translate, from this machine and
# from pods (it would otherwise follow the default route out). There is no cluster DNS: pods
# reach the API server through KUBERNETES_SERVICE_HOST; their resolv.conf names 127.0.0.1 (kubelet's
# choice without any resolver), so name lookups fail at once inside the pod.
#
# Stand-in images (one layer each, from Debian packages; what differs from the real image):
#   k8s.gcr.io/pause:3.2 (sandbox)   scripts/cluster/pause.c (Kubernetes' pause behaviour) built
#                                    with gcc -static; USER 65535 like the real one.
#   docker.io/library/registry:2.8.3 Debian docker-registry 2.8.2 as /bin/registry (and
#                                    /usr/bin/docker-registry), upstream's default config.yml and
#                                    entrypoint, busybox-static instead of Alpine (sh, wget; busybox
#                                    1.35, whose `wget -T` segfaults: plain wget works), no CA bundle,
#                                    runs as root like upstream.
#   docker.io/nginxinc/nginx-unprivileged:1.27.5-alpine
#                                    Debian nginx-light 1.22.1 (glibc, OpenSSL 3, libxcrypt bcrypt; no
#                                    njs/perl/geoip modules), upstream-like nginx.conf (pid and temp in
#                                    /tmp, logs to stdout/stderr) and default.conf (listen 8080),
#                                    USER 101; the entrypoint only execs its arguments (upstream's
#                                    /docker-entrypoint.d scripts are absent).
#   docker.io/registryoperator/registry-operator:0.1.0
#                                    jlinked Debian OpenJDK 17 runtime in /opt/java/openjdk instead
#                                    of Temurin's JRE on Ubuntu; the jar at /app/registry-operator.jar,
#                                    USER 65532:65532, ENTRYPOINT java -jar like ../Dockerfile;
#                                    busybox sh for debugging.
#   docker.io/library/busybox:1.36   busybox-static 1.35 from Debian.
set -euo pipefail

readonly K8S_VERSION=1.20.2
readonly NODE_NAME=node-1
readonly NODE_IP=10.254.0.1
readonly POD_CIDR=10.254.64.0/18
readonly NODE_POD_CIDR=10.254.64.0/24
readonly NODE_POD_GATEWAY=10.254.64.1
readonly SERVICE_CIDR=10.254.128.0/20
readonly KUBERNETES_SERVICE_IP=10.254.128.1
readonly BRIDGE=regop0
readonly GUARD_CHAIN=REGISTRY-OPERATOR-EGRESS
readonly ETCD_CLIENT_PORT=12379
readonly ETCD_PEER_PORT=12380
readonly API_PORT=6443
readonly PV_COUNT=20
readonly PV_SIZE=10Gi
readonly HOSTS_BEGIN='# BEGIN registry-operator node-agent'
readonly HOSTS_END='# END registry-operator node-agent'

readonly PAUSE_IMAGE=k8s.gcr.io/pause:3.2
readonly REGISTRY_IMAGE=docker.io/library/registry:2.8.3
readonly NGINX_IMAGE=docker.io/nginxinc/nginx-unprivileged:1.27.5-alpine
readonly OPERATOR_IMAGE=docker.io/registryoperator/registry-operator:0.1.0
readonly BUSYBOX_IMAGE=docker.io/library/busybox:1.36

readonly PACKAGES=(containerd runc containernetworking-plugins iptables conntrack busybox-static umoci
  skopeo gcc libc6-dev openjdk-17-jdk-headless nginx-light docker-registry etcd-server openssl
  nftables)
# nftables: iptables here is iptables-nft; the nat/filter/mangle tables kubelet and kube-proxy create
# stay behind (empty) after their rules are gone, and only `nft delete table` removes them.

# Kernel settings the cluster changes: kubelet (panic, oom, keys), kube-proxy (route_localnet,
# conntrack when configured), this script (forwarding, bridge netfilter). Saved at `up`, restored
# by `down`.
readonly SAVED_SYSCTLS=(kernel.panic kernel.panic_on_oops vm.overcommit_memory vm.panic_on_oom
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward
  net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  net.ipv4.conf.all.route_localnet net.netfilter.nf_conntrack_max
  net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait)

# Started in this order, stopped in the reverse one (kubelet first, so that it restarts nothing).
readonly COMPONENTS=(containerd etcd kube-apiserver kubelet kube-controller-manager kube-scheduler kube-proxy)

# Daemons find runc, iptables, mount, conntrack here even when called with a minimal PATH.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

# kubelet's in-tree ECR credential provider asks the EC2 metadata service (169.254.169.254, outside
# this machine) for credentials at start; the AWS SDK skips it with this set.
export AWS_EC2_METADATA_DISABLED=true

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly REPO_DIR=${SCRIPT_DIR%/scripts}

usage() {
  sed -n '/^# Usage/,/^# The first `up`/p' "$0" | sed -e 's/^# \{0,1\}//' -e '$d'
}

die() {
  echo "cluster: error: $*" >&2
  exit 1
}

if [[ -z "${REGISTRY_OPERATOR_CACHE:-}" && -z "${HOME:-}" ]]; then
  die "neither REGISTRY_OPERATOR_CACHE nor HOME is set; cannot choose a cache directory"
fi
readonly CACHE_DIR=${REGISTRY_OPERATOR_CACHE:-$HOME/.cache/registry-operator}
readonly BIN=$CACHE_DIR/bin/kubernetes-$K8S_VERSION
readonly KUBECTL=$BIN/kubectl
readonly IMAGE_CACHE=$CACHE_DIR/cluster-images
readonly LOG=$CACHE_DIR/cluster.log
STATE=${REGISTRY_OPERATOR_CLUSTER_DIR:-/var/tmp/registry-operator-cluster}
STATE=${STATE%/}
readonly STATE
# `export $(cluster.sh env)` and the daemons' flags rely on it.
[[ "$STATE" != *[[:space:]]* && "$CACHE_DIR" != *[[:space:]]* ]] ||
  die "the state dir ($STATE) and cache dir ($CACHE_DIR) must not contain whitespace"
[[ "$STATE" == /?* && "$STATE" != / ]] || die "the state dir must be an absolute path below /: '$STATE'"
readonly LOGS=$STATE/logs
readonly RUN=$STATE/run
readonly PKI=$STATE/pki
readonly KUBECONFIGS=$STATE/kubeconfig
readonly ADMIN_KUBECONFIG=$KUBECONFIGS/admin.conf
readonly CONFIG=$STATE/config
readonly CONTAINERD_DIR=$STATE/containerd
readonly CONTAINERD_SOCK=$CONTAINERD_DIR/containerd.sock
readonly CERTS_D=$CONTAINERD_DIR/certs.d
readonly KUBELET_ROOT=$STATE/kubelet
readonly CNI_CONF_DIR=$STATE/cni/net.d
readonly VOLUMES=$STATE/volumes
# A cgroup of our own under every hierarchy (kubelet's cgroupRoot): every pod process lives below
# it, so `down` finds exactly the cluster's processes, and nothing else is ever touched.
readonly CGROUP_NAME=registry-operator-cluster
readonly CGROUP_FS=/sys/fs/cgroup

# ---------------------------------------------------------------------------------------------
# Helpers

note() {
  echo "cluster: $*" >&2
  echo "=== $* ($(date -u +%H:%M:%S))" >>"$LOG"
}

fail() {
  {
    echo "cluster: error: $*"
    if [[ -s "$LOG" ]]; then
      echo "---- last lines of $LOG ----"
      tail -n 30 "$LOG"
      echo "---- end of log (full log: $LOG; component logs: $LOGS) ----"
    fi
  } >&2
  exit 1
}

# Runs a command with its output appended to the log; on failure shows the log's tail and exits.
run() {
  echo "+ $*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || fail "command failed: $*"
}

# Best effort (clean-up): logged, never fatal.
try() {
  echo "+ $*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || echo "  (failed: exit $?)" >>"$LOG"
}

# Its discovery cache in the state dir, not in ~/.kube.
kubectl_admin() {
  "$KUBECTL" --kubeconfig "$ADMIN_KUBECONFIG" --cache-dir "$STATE/kubectl-cache" "$@"
}

ctr_k8s() {
  ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"
}

require_root() {
  ((EUID == 0)) || die "'$1' needs root (it starts containerd and the kubelet and changes the network)"
}

# One `up`/`down`/image build at a time. The fd is closed for every daemon (see start_daemon), so
# a running cluster never holds it.
take_lock() {
  mkdir -p "$CACHE_DIR" || die "cannot create $CACHE_DIR"
  exec 8>"$CACHE_DIR/cluster.lock"
  if ! flock -n 8; then
    echo "cluster: waiting for another cluster.sh run to finish" >&2
    flock 8
  fi
}

# package_installed, ensure_packages
# shellcheck source=lib/debian-packages.sh
. "$SCRIPT_DIR/lib/debian-packages.sh"

# Polls "$@" every 0.2 s until it succeeds; fails after $1 seconds with message $2.
wait_for() {
  local timeout=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then fail "timed out after ${timeout}s waiting for $what"; fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------
# Processes

# Our processes: one of the cluster's programs, with a command line naming a path under $STATE
# (never recognised by name alone, so a system containerd or etcd is left alone).
process_is_ours() {
  local pid=$1 cmdline exe
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  case "$exe" in
    /usr/bin/containerd | /usr/bin/containerd-shim* | /usr/bin/etcd | "$BIN"/*) ;;
    *) return 1 ;;
  esac
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  [[ "$cmdline" == *"$STATE/"* ]]
}

component_pid() {
  local pid
  pid=$(cat "$RUN/$1.pid" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ -d /proc/$pid ]] && process_is_ours "$pid" || return 1
  # A zombie is not running.
  [[ "$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)" != Z ]] || return 1
  echo "$pid"
}

# Starts a long-running component in its own session with its output in logs/<name>.log; no fd of
# this script survives in it (the caller of `up` may wait on our stdout/stderr for EOF).
start_daemon() {
  local name=$1 pid
  shift
  echo "+ start $name: $*" >>"$LOG"
  echo "==== $(date -u +%FT%TZ) $*" >>"$LOGS/$name.log"
  setsid "$@" </dev/null >>"$LOGS/$name.log" 2>&1 8>&- 9>&- &
  pid=$!
  echo "$pid" >"$RUN/$name.pid"
}

check_running() {
  component_pid "$1" >/dev/null || fail "$1 exited at start; last lines of $LOGS/$1.log:
$(tail -n 25 "$LOGS/$1.log" 2>/dev/null)"
}

# Every process whose command line names $STATE (components, containerd shims), whether or not a
# pid file exists (a failed `up` may have left some).
our_processes() {
  local dir pid
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    process_is_ours "$pid" && echo "$pid"
  done
  return 0
}

# Every process in the cluster's cgroup tree (any hierarchy): the containers.
cgroup_processes() {
  local dir
  for dir in "$CGROUP_FS"/*/"$CGROUP_NAME"; do
    [[ -d "$dir" ]] && find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -un
}

# Sends $1 to the given pids, waits up to $2 seconds for them to exit, then SIGKILLs the rest.
stop_pids() {
  local signal=$1 timeout=$2 pid deadline alive
  shift 2
  (($# > 0)) || return 0
  echo "+ kill -$signal $* ($(date -u +%T))" >>"$LOG"
  kill "-$signal" "$@" 2>/dev/null || true
  deadline=$((SECONDS + timeout))
  while :; do
    alive=()
    for pid in "$@"; do
      if [[ -d /proc/$pid ]] && [[ "$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)" != Z ]]; then
        alive+=("$pid")
      fi
    done
    ((${#alive[@]} > 0)) || return 0
    if ((SECONDS >= deadline)); then
      echo "+ kill -KILL ${alive[*]}" >>"$LOG"
      kill -KILL "${alive[@]}" 2>/dev/null || true
      sleep 0.2
      return 0
    fi
    sleep 0.1
  done
}

# ---------------------------------------------------------------------------------------------
# Images: one layer each, built with umoci, stored as docker-archive, cached by input hash

# The hash of everything an image is built from: the builder functions' text, the versions of the
# Debian packages it takes files from, and extra inputs (files) given as arguments.
input_hash() {
  local builder=$1 packages=$2 file
  shift 2
  {
    declare -f "$builder" image_base copy_with_libs build_image
    dpkg-query -W -f='${Package} ${Version}\n' $packages
    for file in "$@"; do sha256sum "$file"; done
  } | sha256sum | cut -c1-16
}

# Common base: busybox-static with all its applets (sh, wget, ...), /etc/passwd and group, /tmp.
image_base() {
  local root=$1 applet
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,proc,sys,dev,var/tmp}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list-full); do
    [[ -e "$root/$applet" || -L "$root/$applet" ]] || ln -s /bin/busybox "$root/$applet"
  done
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
    >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' >"$root/etc/group"
  echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
}

# Copies files (at the same path) and every shared library they load (ldd), dereferenced.
copy_with_libs() {
  local root=$1 file lib
  shift
  for file in "$@"; do
    mkdir -p "$root/$(dirname "$file")"
    cp -L "$file" "$root/$file"
    while read -r lib; do
      [[ -e "$root/$lib" ]] && continue
      mkdir -p "$root/$(dirname "$lib")"
      cp -L "$lib" "$root/$lib"
    done < <(ldd "$file" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
  done
}

# build_image NAME REF BUILDER "PACKAGES" [INPUT_FILE...]: BUILDER ROOTFS fills the root file system
# and sets IMAGE_CONFIG (umoci config arguments). Result: $IMAGE_CACHE/NAME-<hash>.tar; sets IMAGE_TAR.
build_image() {
  local name=$1 ref=$2 builder=$3 packages=$4 hash work
  shift 4
  hash=$(input_hash "$builder" "$packages" "$@")
  IMAGE_TAR=$IMAGE_CACHE/$name-$hash.tar
  [[ -s "$IMAGE_TAR" ]] && return 0
  note "building image $ref"
  work=$IMAGE_CACHE/work-$name
  rm -rf "$work"
  mkdir -p "$work/rootfs"
  IMAGE_CONFIG=()
  "$builder" "$work/rootfs" "$@"
  run umoci init --layout "$work/oci"
  run umoci new --image "$work/oci:image"
  run umoci insert --image "$work/oci:image" --history.created_by "cluster.sh $builder" "$work/rootfs" /
  run umoci config --image "$work/oci:image" --history.created_by "cluster.sh $builder" \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${IMAGE_CONFIG[@]}"
  run skopeo --insecure-policy copy --quiet "oci:$work/oci:image" "docker-archive:$IMAGE_TAR.tmp:$ref"
  mv -f "$IMAGE_TAR.tmp" "$IMAGE_TAR"
  rm -rf "$work"
  # Older builds of the same image are of no use any more.
  find "$IMAGE_CACHE" -maxdepth 1 -name "$name-*.tar" ! -path "$IMAGE_TAR" -delete
}

rootfs_pause() {
  local root=$1 source=$2
  mkdir -p "$root"
  run gcc -static -O2 -Wall -o "$root/pause" "$source"
  IMAGE_CONFIG=(--config.user 65535:65535 --config.entrypoint /pause)
}

rootfs_busybox() {
  image_base "$1"
  IMAGE_CONFIG=(--config.cmd sh)
}

# Upstream (distribution/distribution-library-image 2.8.x): /bin/registry, this config.yml,
# /entrypoint.sh, CMD the config, port 5000, volume /var/lib/registry.
rootfs_registry() {
  local root=$1
  image_base "$root"
  copy_with_libs "$root" /usr/bin/docker-registry
  cp "$root/usr/bin/docker-registry" "$root/bin/registry"
  mkdir -p "$root/etc/docker/registry" "$root/var/lib/registry"
  cat >"$root/etc/docker/registry/config.yml" <<'EOF'
version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
EOF
  cat >"$root/entrypoint.sh" <<'EOF'
#!/bin/sh
set -e

case "$1" in
    *.yaml|*.yml) set -- registry serve "$@" ;;
    serve|garbage-collect|help|-*) set -- registry "$@" ;;
esac

exec "$@"
EOF
  chmod 0755 "$root/entrypoint.sh"
  IMAGE_CONFIG=(--config.entrypoint /entrypoint.sh --config.cmd /etc/docker/registry/config.yml
    --config.exposedports 5000/tcp --config.volume /var/lib/registry)
}

# Upstream nginx-unprivileged: user nginx (101:101), pid and *_temp_path in /tmp, logs linked to
# stdout/stderr, default server on 8080, STOPSIGNAL SIGQUIT, CMD nginx -g 'daemon off;'.
rootfs_nginx() {
  local root=$1
  image_base "$root"
  copy_with_libs "$root" /usr/sbin/nginx
  echo 'nginx:x:101:101:nginx:/nonexistent:/bin/false' >>"$root/etc/passwd"
  echo 'nginx:x:101:' >>"$root/etc/group"
  mkdir -p "$root/etc/nginx/conf.d" "$root/usr/share/nginx/html" "$root/var/log/nginx" \
    "$root/var/cache/nginx" "$root/var/lib/nginx" "$root/docker-entrypoint.d" "$root/etc/ssl" "$root/usr/lib/ssl"
  cp /etc/nginx/mime.types "$root/etc/nginx/mime.types"
  # Debian's compiled-in paths (/var/lib/nginx/*, /var/log/nginx/error.log) stay usable for 101.
  chown 101:101 "$root/var/cache/nginx" "$root/var/lib/nginx"
  ln -s /dev/stdout "$root/var/log/nginx/access.log"
  ln -s /dev/stderr "$root/var/log/nginx/error.log"
  # OpenSSL looks for its configuration in /usr/lib/ssl (Debian's OPENSSLDIR).
  if [[ -r /etc/ssl/openssl.cnf ]]; then
    cp /etc/ssl/openssl.cnf "$root/etc/ssl/openssl.cnf"
    ln -s /etc/ssl/openssl.cnf "$root/usr/lib/ssl/openssl.cnf"
  fi
  cat >"$root/etc/nginx/nginx.conf" <<'EOF'
worker_processes  auto;

error_log  /var/log/nginx/error.log notice;
pid        /tmp/nginx.pid;


events {
    worker_connections  1024;
}


http {
    proxy_temp_path /tmp/proxy_temp;
    client_body_temp_path /tmp/client_temp;
    fastcgi_temp_path /tmp/fastcgi_temp;
    uwsgi_temp_path /tmp/uwsgi_temp;
    scgi_temp_path /tmp/scgi_temp;

    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;

    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';

    access_log  /var/log/nginx/access.log  main;

    sendfile        on;
    #tcp_nopush     on;

    keepalive_timeout  65;

    #gzip  on;

    include /etc/nginx/conf.d/*.conf;
}
EOF
  cat >"$root/etc/nginx/conf.d/default.conf" <<'EOF'
server {
    listen       8080;
    server_name  localhost;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
EOF
  echo '<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>' \
    >"$root/usr/share/nginx/html/index.html"
  cp "$root/usr/share/nginx/html/index.html" "$root/usr/share/nginx/html/50x.html"
  printf '%s\n' '#!/bin/sh' '# Stand-in for the upstream entrypoint: no /docker-entrypoint.d scripts.' 'exec "$@"' \
    >"$root/docker-entrypoint.sh"
  chmod 0755 "$root/docker-entrypoint.sh"
  IMAGE_CONFIG=(--config.user 101 --config.entrypoint /docker-entrypoint.sh --config.cmd nginx
    --config.cmd -g --config.cmd 'daemon off;' --config.exposedports 8080/tcp --config.stopsignal SIGQUIT)
}

readonly JAVA_HOME_IMAGE=/opt/java/openjdk

# The operator image's file system without the jar: base, a jlinked runtime and the system libraries
# it loads. Built once per JDK version into $IMAGE_CACHE/operator-runtime-<hash>/ (jlink takes most
# of the image's build time), so a new jar costs only the copy and the image archive.
rootfs_operator_runtime() {
  local root=$1 jre lib
  # What jdeps finds in the shaded jar (java.desktop only for java.beans, which libraries probe
  # for) plus TLS/crypto providers and jdk.httpserver (the health server).
  local modules=java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.management,jdk.unsupported,jdk.zipfs
  # Native libraries only a GUI, sound or fonts load: left out with their X11/ALSA/freetype
  # dependencies (the JVM runs headless).
  local gui_libs='libawt_xawt.so libjawt.so libsplashscreen.so libjsound.so libfontmanager.so liblcms.so libjavajpeg.so libmlib_image.so'
  image_base "$root"
  jre=$root$JAVA_HOME_IMAGE
  mkdir -p "$(dirname "$jre")" "$root/app"
  run jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 \
    --output "$jre"
  # Debian's legal/ entries are links into /usr/share/doc: keep the texts, not dangling links.
  find "$jre/legal" -type l -exec sh -c 'for l; do cp --remove-destination -L "$l" "$l" 2>/dev/null || rm -f "$l"; done' sh {} +
  for lib in $gui_libs; do rm -f "$jre/lib/$lib"; done
  # The system libraries the runtime loads (its own are found through their RPATH in the rootfs).
  while read -r lib; do
    [[ -e "$root/$lib" ]] || { mkdir -p "$root/$(dirname "$lib")" && cp -L "$lib" "$root/$lib"; }
  done < <(find "$jre" -type f \( -name '*.so' -o -path '*/bin/*' \) | while read -r f; do
    LD_LIBRARY_PATH=$jre/lib:$jre/lib/server ldd "$f" 2>/dev/null
  done | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/lib/ { print $1 }' | grep -v "^$root" | sort -u)
}

rootfs_operator() {
  local root=$1 jar=$2
  cp -a "$OPERATOR_RUNTIME/." "$root/"
  cp "$jar" "$root/app/registry-operator.jar"
  chmod 0644 "$root/app/registry-operator.jar"
  # Check in the image's own file system that the runtime starts the jar (both entry points). The
  # loader needs /proc to expand the launcher's $ORIGIN RPATH: a private mount namespace has one
  # for the check only.
  run unshare --mount --propagation private sh -c 'mount -t proc proc "$1/proc" &&
    chroot "$1" "$2/bin/java" -jar /app/registry-operator.jar --help &&
    chroot "$1" "$2/bin/java" -jar /app/registry-operator.jar auth-server --help' sh "$root" "$JAVA_HOME_IMAGE"
  IMAGE_CONFIG=(--config.user 65532:65532 --config.workingdir /app
    --config.env "PATH=$JAVA_HOME_IMAGE/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    --config.env "JAVA_HOME=$JAVA_HOME_IMAGE"
    --config.entrypoint java --config.entrypoint -jar --config.entrypoint /app/registry-operator.jar)
}

# Builds (when inputs changed) the four base images; sets BASE_IMAGE_TARS.
build_base_images() {
  mkdir -p "$IMAGE_CACHE"
  BASE_IMAGE_TARS=()
  build_image pause "$PAUSE_IMAGE" rootfs_pause "gcc libc6-dev" "$SCRIPT_DIR/cluster/pause.c"
  BASE_IMAGE_TARS+=("$IMAGE_TAR")
  build_image busybox "$BUSYBOX_IMAGE" rootfs_busybox busybox-static
  BASE_IMAGE_TARS+=("$IMAGE_TAR")
  build_image registry "$REGISTRY_IMAGE" rootfs_registry "docker-registry busybox-static libc6"
  BASE_IMAGE_TARS+=("$IMAGE_TAR")
  build_image nginx "$NGINX_IMAGE" rootfs_nginx "nginx-light nginx-common busybox-static libc6 libssl3 libpcre2-8-0 libcrypt1 zlib1g"
  BASE_IMAGE_TARS+=("$IMAGE_TAR")
}

# Sets OPERATOR_IMAGE_TAR.
build_operator_image() {
  local jar=$1
  [[ -f "$jar" ]] || die "no such jar: $jar (build it with: mvn -o -q package -DskipTests)"
  mkdir -p "$IMAGE_CACHE"
  local packages="openjdk-17-jdk-headless openjdk-17-jre-headless busybox-static libc6" hash
  hash=$(input_hash rootfs_operator_runtime "$packages")
  OPERATOR_RUNTIME=$IMAGE_CACHE/operator-runtime-$hash
  if [[ ! -d "$OPERATOR_RUNTIME" ]]; then
    note "building the operator image's Java runtime (jlink; once per JDK version)"
    rm -rf "$OPERATOR_RUNTIME.tmp"
    rootfs_operator_runtime "$OPERATOR_RUNTIME.tmp"
    find "$IMAGE_CACHE" -maxdepth 1 -name 'operator-runtime-*' ! -name '*.tmp' -type d -exec rm -rf {} +
    mv "$OPERATOR_RUNTIME.tmp" "$OPERATOR_RUNTIME"
  fi
  # The runtime's hash is an input of the image (through its directory name in a file).
  echo "$OPERATOR_RUNTIME" >"$IMAGE_CACHE/operator-runtime.current"
  build_image operator "$OPERATOR_IMAGE" rootfs_operator "$packages" "$jar" "$IMAGE_CACHE/operator-runtime.current"
  OPERATOR_IMAGE_TAR=$IMAGE_TAR
}

import_images() {
  local tar
  for tar in "$@"; do
    run ctr_k8s images import "$tar"
  done
}

# ---------------------------------------------------------------------------------------------
# Certificates, kubeconfigs, configuration files

# cert NAME SUBJECT EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES]: an EC P-256 key and a certificate
# signed by the cluster CA. Our own openssl config keeps the host's defaults out.
cert() {
  local name=$1 subject=$2 usage=$3 sans=${4:-}
  local args=(-addext "basicConstraints=critical,CA:FALSE" -addext "keyUsage=critical,digitalSignature,keyEncipherment"
    -addext "extendedKeyUsage=$usage")
  [[ -n "$sans" ]] && args+=(-addext "subjectAltName=$sans")
  run openssl req -config "$PKI/openssl.cnf" -x509 -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -days 3650 \
    -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$PKI/$name.key" -out "$PKI/$name.crt" \
    -subj "$subject" "${args[@]}"
}

make_pki() {
  mkdir -p "$PKI"
  chmod 0700 "$PKI"
  printf '%s\n' '[req]' 'distinguished_name = dn' '[dn]' >"$PKI/openssl.cnf"
  run openssl req -config "$PKI/openssl.cnf" -x509 -days 3650 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.crt" -subj "/CN=registry-operator-cluster-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"
  cert apiserver /CN=kube-apiserver serverAuth \
    "IP:$NODE_IP,IP:$KUBERNETES_SERVICE_IP,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost"
  cert admin "/O=system:masters/CN=kubernetes-admin" clientAuth
  cert controller-manager /CN=system:kube-controller-manager clientAuth
  cert scheduler /CN=system:kube-scheduler clientAuth
  cert kube-proxy /CN=system:kube-proxy clientAuth
  cert kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  cert kubelet-serving "/CN=$NODE_NAME" serverAuth "IP:$NODE_IP,DNS:$NODE_NAME"
  cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
  run openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key"
  run openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"
}

# kubeconfig NAME: kubeconfig/NAME.conf for the client certificate pki/NAME.crt, written with the
# built kubectl (Debian's panics in `config set-*`).
kubeconfig() {
  local file=$KUBECONFIGS/$1.conf cert_name=$1
  mkdir -p "$KUBECONFIGS"
  run "$KUBECTL" config set-cluster registry-operator --kubeconfig "$file" --embed-certs \
    --certificate-authority "$PKI/ca.crt" --server "https://$NODE_IP:$API_PORT"
  run "$KUBECTL" config set-credentials "$1" --kubeconfig "$file" --embed-certs \
    --client-certificate "$PKI/$cert_name.crt" --client-key "$PKI/$cert_name.key"
  run "$KUBECTL" config set-context registry-operator --kubeconfig "$file" --cluster registry-operator --user "$1"
  run "$KUBECTL" config use-context registry-operator --kubeconfig "$file"
  chmod 0600 "$file"
}

write_configs() {
  mkdir -p "$CONFIG" "$CNI_CONF_DIR" "$CERTS_D" "$CONTAINERD_DIR"
  cat >"$CONTAINERD_DIR/config.toml" <<EOF
# containerd for the registry-operator cluster (scripts/cluster.sh): everything under $STATE.
version = 2
root = "$CONTAINERD_DIR/root"
state = "$CONTAINERD_DIR/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$CONTAINERD_SOCK"

[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$CONTAINERD_DIR/opt"

  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$PAUSE_IMAGE"
    # This VM takes CAP_SYS_RESOURCE from every process: nobody can lower oom_score_adj, and
    # without this every sandbox fails ("can't get final child's PID from pipe: EOF").
    restrict_oom_score_adj = true
    disable_apparmor = true
    disable_hugetlb_controller = true
    tolerate_missing_hugetlb_controller = true
    # Pod network namespaces under our state dir, not /var/run/netns.
    netns_mounts_under_state_dir = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    enable_selinux = false

    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
          Root = "$CONTAINERD_DIR/runc"

    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$CNI_CONF_DIR"
      max_conf_num = 1

    [plugins."io.containerd.grpc.v1.cri".registry]
      # Per-registry trust, written by the node agent: <host>:<port>/hosts.toml.
      config_path = "$CERTS_D"
EOF

  cat >"$CNI_CONF_DIR/10-registry-operator.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "registry-operator",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$STATE/cni/ipam",
        "ranges": [[{ "subnet": "$NODE_POD_CIDR", "gateway": "$NODE_POD_GATEWAY" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF

  cat >"$CONFIG/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $PKI/ca.crt
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_NAME
failSwapOn: false
# resolvConf is set empty by the --resolv-conf flag: an empty value here means the default
# /etc/resolv.conf (the host's resolver, outside this machine). There is no cluster DNS either.
clusterDomain: cluster.local
# Secret and ConfigMap updates reach pods within about 10 s.
syncFrequency: 10s
# Imported images can never be pulled again: never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 50Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
evictionPressureTransitionPeriod: 10s
serializeImagePulls: false
# The node turns Ready at the first status update after registration: sooner than the default 10 s.
nodeStatusUpdateFrequency: 4s
maxPods: 110
rotateCertificates: false
EOF

  cat >"$CONFIG/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $KUBECONFIGS/kube-proxy.conf
mode: iptables
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
clusterCIDR: $POD_CIDR
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
# NodePorts only on the node IP, never on the machine's other addresses.
nodePortAddresses: ["$NODE_IP/32"]
# Leave the conntrack sysctls alone.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
iptables:
  syncPeriod: 30s
  minSyncPeriod: 1s
EOF

  # The PV recycler (Recycle reclaim policy) scrubs a released volume with this pod; the default
  # one would need an image that is not here.
  cat >"$CONFIG/recycler-pod.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: pv-recycler
  namespace: default
spec:
  activeDeadlineSeconds: 60
  restartPolicy: Never
  volumes:
    - name: vol
  containers:
    - name: pv-recycler
      image: $BUSYBOX_IMAGE
      imagePullPolicy: IfNotPresent
      # Kubernetes' default recycler command.
      command: ["/bin/sh", "-c", "test -e /scrub && rm -rf /scrub/..?* /scrub/.[!.]* /scrub/* && test -z \"\$(ls -A /scrub)\" || exit 1"]
      volumeMounts:
        - name: vol
          mountPath: /scrub
EOF
}

storage_manifest() {
  local i name
  cat <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-hostpath
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Delete
EOF
  for ((i = 1; i <= PV_COUNT; i++)); do
    printf -v name 'pv-%02d' "$i"
    cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $name
spec:
  storageClassName: local-hostpath
  capacity:
    storage: $PV_SIZE
  accessModes: [ReadWriteOnce, ReadOnlyMany, ReadWriteMany]
  # Scrubbed and Available again once its claim is deleted (see config/recycler-pod.yaml).
  persistentVolumeReclaimPolicy: Recycle
  hostPath:
    path: $VOLUMES/$name
    type: Directory
EOF
  done
}

# ---------------------------------------------------------------------------------------------
# Machine changes: sysctls, address, iptables guard, cgroups

save_sysctls() {
  local key value
  [[ -s "$STATE/saved-sysctls" ]] && return 0
  for key in "${SAVED_SYSCTLS[@]}"; do
    value=$(sysctl -n "$key" 2>/dev/null) || continue
    printf '%s=%s\n' "$key" "$value"
  done >"$STATE/saved-sysctls.tmp"
  mv "$STATE/saved-sysctls.tmp" "$STATE/saved-sysctls"
}

restore_sysctls() {
  local line
  [[ -s "$STATE/saved-sysctls" ]] || return 0
  while IFS= read -r line; do
    [[ "$(sysctl -n "${line%%=*}" 2>/dev/null)" == "${line#*=}" ]] || try sysctl -w "$line"
  done <"$STATE/saved-sysctls"
}

setup_network() {
  if ! ip -4 addr show dev lo | grep -q " $NODE_IP/32 "; then
    run ip addr add "$NODE_IP/32" dev lo
  fi
  run sysctl -w net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
  # The egress guard: forwarded pod traffic may go to pods (a Service IP has been DNATed to one by
  # then, in PREROUTING) and the node IP, nowhere else. In mangle's FORWARD, which every forwarded
  # packet passes before filter's: kube-proxy prepends its own rules to filter FORWARD (KUBE-FORWARD
  # accepts marked and established traffic), which would put a guard there behind them.
  iptables -w -t mangle -N "$GUARD_CHAIN" 2>/dev/null || run iptables -w -t mangle -F "$GUARD_CHAIN"
  run iptables -w -t mangle -A "$GUARD_CHAIN" -d "$POD_CIDR" -j RETURN
  run iptables -w -t mangle -A "$GUARD_CHAIN" -d "$NODE_IP/32" -j RETURN
  run iptables -w -t mangle -A "$GUARD_CHAIN" -m comment --comment "registry-operator cluster: pods stay inside this machine" -j DROP
  iptables -w -t mangle -C FORWARD -s "$POD_CIDR" -j "$GUARD_CHAIN" 2>/dev/null ||
    run iptables -w -t mangle -I FORWARD 1 -s "$POD_CIDR" -j "$GUARD_CHAIN"
  # A Service address that kube-proxy did not translate (a Service without ready endpoints while
  # kube-proxy catches up, or one that no longer exists, as a stale hosts entry may name) would
  # follow this machine's default route out of it: seen here, answered by a machine outside. In
  # filter, after every DNAT, legitimate traffic no longer has such a destination: refuse the rest
  # at once, from this machine (OUTPUT) and from pods (FORWARD).
  iptables -w -t filter -N "$GUARD_CHAIN" 2>/dev/null || run iptables -w -t filter -F "$GUARD_CHAIN"
  run iptables -w -t filter -A "$GUARD_CHAIN" -d "$SERVICE_CIDR" -m comment --comment "registry-operator cluster: untranslated Service addresses stay inside this machine" -j REJECT
  for chain in OUTPUT FORWARD; do
    iptables -w -t filter -C "$chain" -d "$SERVICE_CIDR" -j "$GUARD_CHAIN" 2>/dev/null ||
      run iptables -w -t filter -I "$chain" 1 -d "$SERVICE_CIDR" -j "$GUARD_CHAIN"
  done
}

# kubelet's cgroupRoot must exist in every hierarchy; cpuset children start empty in cgroup v1.
setup_cgroups() {
  local hierarchy
  for hierarchy in "$CGROUP_FS"/*/; do
    hierarchy=${hierarchy%/}
    [[ -f "$hierarchy/cgroup.procs" ]] || continue
    mkdir -p "$hierarchy/$CGROUP_NAME"
    if [[ -f "$hierarchy/cpuset.cpus" ]]; then
      cat "$hierarchy/cpuset.cpus" >"$hierarchy/$CGROUP_NAME/cpuset.cpus"
      cat "$hierarchy/cpuset.mems" >"$hierarchy/$CGROUP_NAME/cpuset.mems"
    fi
  done
}

remove_cgroups() {
  local hierarchy
  for hierarchy in "$CGROUP_FS"/*/; do
    [[ -d "$hierarchy$CGROUP_NAME" ]] || continue
    # Deepest first; cgroup directories are removed with rmdir (their files are virtual).
    find "$hierarchy$CGROUP_NAME" -depth -type d -exec rmdir {} + 2>>"$LOG" || true
  done
}

# The nftables tables there before `up` (iptables-nft creates ip nat/filter/mangle on first use).
save_nft_tables() {
  [[ -e "$STATE/nft-tables-before" ]] && return 0
  if command -v nft >/dev/null; then nft list tables 2>/dev/null || true; fi >"$STATE/nft-tables-before"
}

# Deletes the iptables-nft tables `up` caused to exist, once they hold nothing but default policies.
remove_new_nft_tables() {
  local family table tool
  command -v nft >/dev/null && [[ -f "$STATE/nft-tables-before" ]] || return 0
  while read -r _ family table; do
    [[ -n "$table" ]] || continue
    grep -qxF "table $family $table" "$STATE/nft-tables-before" && continue
    case "$family" in ip) tool=iptables ;; ip6) tool=ip6tables ;; *) continue ;; esac
    if ! "$tool" -w -t "$table" -S 2>/dev/null | grep -qv '^-P [A-Z]* ACCEPT$'; then
      try nft delete table "$family" "$table"
    fi
  done < <(nft list tables 2>/dev/null)
}

# Removes iptables rules jumping to chains named by the pattern, then those chains, in every table.
remove_iptables() {
  local tool=$1 table chain_re="^(KUBE-|CNI-|$GUARD_CHAIN\$)" line rule
  command -v "$tool" >/dev/null || return 0
  for table in filter nat mangle raw; do
    "$tool" -w -t "$table" -S >/dev/null 2>&1 || continue
    # Rules in other chains that jump to ours (-j KUBE-..., -g CNI-...).
    while IFS= read -r line; do
      rule=${line#-A }
      eval "set -- $rule"
      try "$tool" -w -t "$table" -D "$@"
    done < <("$tool" -w -t "$table" -S 2>/dev/null | awk -v re="$chain_re" '
        $1 == "-A" && $2 !~ re { for (i = 3; i < NF; i++) if (($i == "-j" || $i == "-g") && $(i + 1) ~ re) { print; break } }')
    while IFS= read -r line; do
      try "$tool" -w -t "$table" -F "$line"
    done < <("$tool" -w -t "$table" -S 2>/dev/null | awk -v re="$chain_re" '$1 == "-N" && $2 ~ re { print $2 }')
    while IFS= read -r line; do
      try "$tool" -w -t "$table" -X "$line"
    done < <("$tool" -w -t "$table" -S 2>/dev/null | awk -v re="$chain_re" '$1 == "-N" && $2 ~ re { print $2 }')
  done
}

# libcni keeps each attachment's result in /var/lib/cni/results (fixed path in containerd 1.6); a
# killed sandbox never gets its CNI DEL, so ours (network registry-operator and the loopback of the
# same sandboxes) are removed here.
remove_cni_cache() {
  local dir=/var/lib/cni/results file id
  [[ -d "$dir" ]] || return 0
  for file in "$dir"/registry-operator-*; do
    [[ -e "$file" ]] || continue
    id=${file#"$dir"/registry-operator-}
    id=${id%-*}
    rm -f "$file" "$dir/cni-loopback-$id-lo"
  done
  rmdir "$dir" /var/lib/cni 2>/dev/null || true
}

remove_hosts_block() {
  grep -qxF "$HOSTS_BEGIN" /etc/hosts 2>/dev/null || return 0
  local kept
  kept=$(awk -v b="$HOSTS_BEGIN" -v e="$HOSTS_END" '$0 == b { skip = 1; next } skip && $0 == e { skip = 0; next } !skip' /etc/hosts)
  # In place (not a rename): /etc/hosts may be a bind mount.
  printf '%s\n' "$kept" >/etc/hosts
  echo "+ removed the node-agent block from /etc/hosts" >>"$LOG"
}

# Mount points at or below $1, deepest first.
mounts_under() {
  awk -v p="$1" '{ m = $5; gsub(/\\040/, " ", m); if (m == p || index(m, p "/") == 1) print m }' /proc/self/mountinfo |
    awk '{ print length($0), $0 }' | sort -rn | cut -d' ' -f2-
}

unmount_all() {
  local mount_point pass
  for pass in 1 2 3; do
    while IFS= read -r mount_point; do
      [[ -n "$mount_point" ]] || continue
      umount "$mount_point" 2>/dev/null || umount -l "$mount_point" 2>>"$LOG" || true
    done < <(mounts_under "$STATE")
    [[ -z "$(mounts_under "$STATE")" ]] && return 0
    sleep 0.3
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# Health

component_down() {
  local name
  for name in "${COMPONENTS[@]}"; do
    component_pid "$name" >/dev/null || { echo "$name"; return 0; }
  done
  return 1
}

api_ready() {
  [[ -s "$ADMIN_KUBECONFIG" ]] && [[ "$(kubectl_admin --request-timeout=3s get --raw /readyz 2>/dev/null)" == ok ]]
}

node_ready() {
  local status
  status=$(kubectl_admin --request-timeout=3s get node "$NODE_NAME" \
    -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) || return 1
  [[ "$status" == True ]]
}

cluster_healthy() {
  ! component_down >/dev/null && api_ready && node_ready
}

# etcd (its data in $STATE/etcd, kept across a restart) and the API server: started by `up` and
# again by `restart-control-plane`.
start_etcd() {
  start_daemon etcd /usr/bin/etcd --name "$NODE_NAME" --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "$NODE_NAME=http://127.0.0.1:$ETCD_PEER_PORT" --logger zap
  wait_for 30 "etcd on 127.0.0.1:$ETCD_CLIENT_PORT" bash -c "echo >/dev/tcp/127.0.0.1/$ETCD_CLIENT_PORT"
  check_running etcd
}

start_api_server() {
  start_daemon kube-apiserver "$BIN/kube-apiserver" \
    --advertise-address "$NODE_IP" --bind-address "$NODE_IP" --secure-port "$API_PORT" --insecure-port 0 \
    --etcd-servers "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --service-cluster-ip-range "$SERVICE_CIDR" --allow-privileged=true \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --client-ca-file "$PKI/ca.crt" --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types InternalIP \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --cert-dir "$PKI/apiserver-generated" --profiling=false --event-ttl 1h
}

# ---------------------------------------------------------------------------------------------
# Commands

cmd_up() {
  require_root up
  take_lock
  mkdir -p "$CACHE_DIR"
  if [[ -d "$STATE" ]] && cluster_healthy; then
    echo "cluster: already up (node $NODE_NAME Ready); $(cmd_env | head -1)" >&2
    return 0
  fi
  local started=$SECONDS
  : >"$LOG"
  if [[ -e "$STATE" ]] || [[ -n "$(our_processes)" ]] || ip -4 addr show dev lo | grep -q " $NODE_IP/32 "; then
    note "a previous cluster is partly there: removing it first"
    do_down
  fi
  note "starting the cluster (log: $LOG)"

  [[ "$(uname -m)" == x86_64 ]] || die "only linux-amd64 is supported"
  ensure_packages "${PACKAGES[@]}"
  # Builds the Kubernetes binaries once (about 20 min), later a no-op.
  "$SCRIPT_DIR/provision-control-plane.sh" >>"$LOG" || fail "scripts/provision-control-plane.sh failed"
  local command
  for command in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
    [[ -x "$BIN/$command" ]] || fail "$BIN/$command is missing after provision-control-plane.sh"
  done

  build_base_images
  local images=("${BASE_IMAGE_TARS[@]}") jar=$REPO_DIR/target/registry-operator.jar
  if [[ -f "$jar" ]]; then
    build_operator_image "$jar"
    images+=("$OPERATOR_IMAGE_TAR")
  else
    note "no $jar: the operator image is not loaded (build the jar, then: scripts/cluster.sh load-operator-image $jar)"
  fi

  mkdir -p "$STATE" "$LOGS" "$RUN" "$VOLUMES" "$KUBELET_ROOT"
  save_sysctls
  save_nft_tables
  make_pki
  local name
  for name in admin controller-manager scheduler kube-proxy kubelet; do
    kubeconfig "$name"
  done
  write_configs
  setup_network
  setup_cgroups

  # containerd and etcd first; the API server as soon as etcd listens; the kubelet once the
  # images (the sandbox image above all) are in containerd; the rest once the API server is ready.
  start_daemon containerd /usr/bin/containerd --config "$CONTAINERD_DIR/config.toml" --log-level info
  start_etcd
  start_api_server

  wait_for 30 "containerd (log: $LOGS/containerd.log)" ctr --address "$CONTAINERD_SOCK" version
  check_running containerd
  import_images "${images[@]}"

  start_daemon kubelet "$BIN/kubelet" --config "$CONFIG/kubelet.yaml" --kubeconfig "$KUBECONFIGS/kubelet.conf" \
    --container-runtime remote --container-runtime-endpoint "unix://$CONTAINERD_SOCK" \
    --image-service-endpoint "unix://$CONTAINERD_SOCK" --runtime-request-timeout 10m \
    --pod-infra-container-image "$PAUSE_IMAGE" --root-dir "$KUBELET_ROOT" --cert-dir "$KUBELET_ROOT/pki" \
    --seccomp-profile-root "$KUBELET_ROOT/seccomp" --volume-plugin-dir "$KUBELET_ROOT/volume-plugins" \
    --node-ip "$NODE_IP" --hostname-override "$NODE_NAME" --resolv-conf= --v 1

  wait_for 60 "the API server to be ready (log: $LOGS/kube-apiserver.log)" api_ready
  start_daemon kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$KUBECONFIGS/controller-manager.conf" \
    --authentication-kubeconfig "$KUBECONFIGS/controller-manager.conf" \
    --authorization-kubeconfig "$KUBECONFIGS/controller-manager.conf" \
    --bind-address 127.0.0.1 --port 0 --leader-elect=false \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --root-ca-file "$PKI/ca.crt" --service-account-private-key-file "$PKI/sa.key" \
    --use-service-account-credentials=true --controllers '*,bootstrapsigner,tokencleaner' \
    --cluster-cidr "$POD_CIDR" --service-cluster-ip-range "$SERVICE_CIDR" \
    --pv-recycler-pod-template-filepath-hostpath "$CONFIG/recycler-pod.yaml" \
    --flex-volume-plugin-dir "$STATE/controller-manager/volume-plugins"
  start_daemon kube-scheduler "$BIN/kube-scheduler" --kubeconfig "$KUBECONFIGS/scheduler.conf" \
    --authentication-kubeconfig "$KUBECONFIGS/scheduler.conf" --authorization-kubeconfig "$KUBECONFIGS/scheduler.conf" \
    --bind-address 127.0.0.1 --port 0 --leader-elect=false
  start_daemon kube-proxy "$BIN/kube-proxy" --config "$CONFIG/kube-proxy.yaml"

  wait_for 90 "node $NODE_NAME to register (log: $LOGS/kubelet.log)" kubectl_admin get node "$NODE_NAME"
  # The node's pod range, as --allocate-node-cidrs would set it: the controller-manager's node IPAM
  # controller first sleeps 10 s (and holds up the controllers started after it, the service
  # account one among them), and the CNI config names the range anyway.
  run kubectl_admin patch node "$NODE_NAME" --type merge \
    -p "{\"spec\":{\"podCIDR\":\"$NODE_POD_CIDR\",\"podCIDRs\":[\"$NODE_POD_CIDR\"]}}"
  wait_for 90 "node $NODE_NAME to be Ready (log: $LOGS/kubelet.log)" node_ready
  wait_for 60 "the default ServiceAccount" kubectl_admin -n default get serviceaccount default
  for name in "${COMPONENTS[@]}"; do check_running "$name"; done

  local i
  for ((i = 1; i <= PV_COUNT; i++)); do
    printf -v name '%s/pv-%02d' "$VOLUMES" "$i"
    # kubelet applies no fsGroup to hostPath volumes: writable for any pod user.
    mkdir -p "$name"
    chmod 0777 "$name"
  done
  storage_manifest >"$CONFIG/storage.yaml"
  run kubectl_admin apply -f "$CONFIG/storage.yaml"

  note "up in $((SECONDS - started)) s: node $NODE_NAME Ready; export $(cmd_env | tr "\n" " ")"
}

do_down() {
  local name pid pids

  # 1. Components, kubelet first so that nothing restarts containers.
  pids=()
  for name in kubelet kube-proxy kube-scheduler kube-controller-manager kube-apiserver etcd; do
    pid=$(component_pid "$name") && pids+=("$pid")
  done
  # A short grace: their data goes with the state dir anyway (the API server alone would wait
  # 10 s and more for its last requests).
  stop_pids TERM 2 "${pids[@]}"

  # 2. Container processes (everything in our cgroup tree), then containerd's shims, then containerd.
  local round
  for round in 1 2 3 4 5 6 7 8 9 10; do
    mapfile -t pids < <(cgroup_processes)
    ((${#pids[@]} > 0)) || break
    stop_pids KILL 2 "${pids[@]}"
  done
  mapfile -t pids < <(our_processes | while read -r pid; do
    [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == */containerd-shim* ]] && echo "$pid"
  done)
  # Shim sockets are in /run/containerd/s (fixed in containerd 1.6); note ours before they go.
  local shim_sockets=()
  if ((${#pids[@]} > 0)); then
    mapfile -t shim_sockets < <(for pid in "${pids[@]}"; do
      ss -xlp 2>/dev/null | awk -v p="pid=$pid," 'index($0, p) { print $5 }'
    done | grep '^/run/containerd/s/' | sort -u)
  fi
  # Their containers are gone; a shim waits for a shutdown call that will not come.
  stop_pids KILL 1 "${pids[@]}"
  pid=$(component_pid containerd) && stop_pids TERM 10 "$pid"
  # Anything else that still names the state dir (a failed start, an orphaned shim).
  mapfile -t pids < <(our_processes)
  stop_pids TERM 5 "${pids[@]}"
  local socket
  for socket in "${shim_sockets[@]}"; do try rm -f "$socket"; done
  rmdir /run/containerd/s /run/containerd 2>/dev/null || true

  # 3. Mounts (overlay roots, volumes, netns, shm) under the state dir.
  unmount_all || echo "warning: some mounts under $STATE could not be removed" >>"$LOG"

  # 4. Network: pod interfaces, the bridge, the alias, iptables, conntrack entries.
  local link
  for link in $(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
    try ip link delete "$link"
  done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then try ip link delete "$BRIDGE"; fi
  if ip -4 addr show dev lo | grep -q " $NODE_IP/32 "; then try ip addr del "$NODE_IP/32" dev lo; fi
  remove_iptables iptables
  remove_iptables ip6tables
  remove_new_nft_tables
  if command -v conntrack >/dev/null; then
    conntrack -D -s 10.254.0.0/16 >/dev/null 2>&1 || true
    conntrack -D -d 10.254.0.0/16 >/dev/null 2>&1 || true
  fi

  # 5. Kernel settings, cgroups, files outside the state dir.
  restore_sysctls
  remove_cgroups
  try rm -rf /var/log/pods /var/log/containers
  remove_hosts_block
  remove_cni_cache
  # The default FlexVolume directory, should anything still create it: only empty directories go.
  if [[ -d /usr/libexec/kubernetes ]]; then
    find /usr/libexec/kubernetes -depth -type d -empty -delete 2>/dev/null || true
  fi
  # kubectl's discovery cache for this cluster's address (stale once it is gone).
  if [[ -n "${HOME:-}" && -d "$HOME/.kube/cache/discovery/${NODE_IP}_$API_PORT" ]]; then
    rm -rf "${HOME:?}/.kube/cache/discovery/${NODE_IP}_$API_PORT"
  fi

  # 6. The state dir (never across a mount that is still there).
  if [[ -n "$(mounts_under "$STATE")" ]]; then
    fail "cannot remove $STATE: still mounted: $(mounts_under "$STATE" | head -3 | tr '\n' ' ')"
  fi
  rm -rf --one-file-system "$STATE"
}

cmd_down() {
  require_root down
  take_lock
  mkdir -p "$CACHE_DIR"
  local started=$SECONDS
  echo "=== down ($(date -u +%FT%TZ))" >>"$LOG"
  if [[ ! -e "$STATE" ]] && [[ -z "$(our_processes)" ]]; then
    # Still undo what a run without a state dir could have left (idempotent and cheap).
    do_down
    echo "cluster: not running (nothing to stop)" >&2
    return 0
  fi
  do_down
  note "down in $((SECONDS - started)) s"
}

cmd_status() {
  local missing
  if [[ ! -d "$STATE" ]]; then
    echo "cluster: not running"
    return 3
  fi
  if missing=$(component_down); then
    echo "cluster: partly running ($missing is not running); run: scripts/cluster.sh down"
    return 1
  fi
  if ! api_ready; then
    echo "cluster: running, but the API server is not ready"
    return 1
  fi
  if node_ready; then
    echo "cluster: running, node $NODE_NAME Ready"
    return 0
  fi
  echo "cluster: running, node $NODE_NAME not Ready"
  return 1
}

cmd_env() {
  echo "KUBECONFIG=$ADMIN_KUBECONFIG"
  echo "CONTAINERD_CERTS_DIR=$CERTS_D"
  echo "CONTAINERD_ADDRESS=$CONTAINERD_SOCK"
}

cmd_restart_control_plane() {
  local down_seconds=${1:-0} started pid name
  [[ "$down_seconds" =~ ^[0-9]+$ ]] || die "usage: scripts/cluster.sh restart-control-plane [SECONDS]"
  require_root restart-control-plane
  take_lock
  cluster_healthy || die "the cluster is not up and healthy: $(cmd_status || true)"
  echo "=== restart-control-plane ($(date -u +%FT%TZ))" >>"$LOG"
  started=$(date +%s.%N)
  # SIGTERM as a service manager stops them; etcd's data directory stays.
  for name in kube-apiserver etcd; do
    pid=$(component_pid "$name") && stop_pids TERM 15 "$pid"
  done
  echo "cluster: kube-apiserver and etcd stopped after $(elapsed_since "$started") s" >&2
  sleep "$down_seconds"
  start_etcd
  start_api_server
  wait_for 60 "the API server to be ready (log: $LOGS/kube-apiserver.log)" api_ready
  check_running kube-apiserver
  echo "cluster: kube-apiserver ready again $(elapsed_since "$started") s after the stop began" >&2
}

elapsed_since() {
  awk -v from="$1" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - from }'
}

cmd_load_operator_image() {
  local jar=${1:-}
  [[ -n "$jar" ]] || die "usage: scripts/cluster.sh load-operator-image JAR"
  jar=$(realpath "$jar" 2>/dev/null) || die "no such jar: $1"
  require_root load-operator-image
  take_lock
  build_operator_image "$jar"
  if component_pid containerd >/dev/null; then
    import_images "$OPERATOR_IMAGE_TAR"
    echo "cluster: imported $OPERATOR_IMAGE" >&2
  else
    echo "cluster: built $OPERATOR_IMAGE; the cluster is not running, so \`up\` imports it" >&2
  fi
}

cmd_logs() {
  local dir=${1:-}
  [[ -n "$dir" ]] || die "usage: scripts/cluster.sh logs DIR"
  mkdir -p "$dir" || die "cannot create $dir"
  [[ -d "$LOGS" ]] && cp -r "$LOGS"/. "$dir/" 2>/dev/null || true
  [[ -f "$LOG" ]] && cp "$LOG" "$dir/cluster.sh.log" || true
  if ! api_ready; then
    echo "cluster: the API server is not answering: copied component logs only, to $dir" >&2
    return 0
  fi
  kubectl_admin get all,events,pvc,pv,secrets,configmaps -A -o wide >"$dir/get-all.txt" 2>&1 || true
  kubectl_admin get events -A --sort-by=.lastTimestamp >"$dir/events.txt" 2>&1 || true
  kubectl_admin describe nodes,pods,deployments,daemonsets,statefulsets,replicasets,services,pvc,pv -A \
    >"$dir/describe.txt" 2>&1 || true
  kubectl_admin get crd -o name 2>/dev/null | while read -r crd; do
    kubectl_admin get "${crd#*/}" -A -o yaml >"$dir/cr-${crd#*/}.yaml" 2>&1 || true
  done
  mkdir -p "$dir/pods"
  local namespace pod containers restarts container
  kubectl_admin get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace} {.metadata.name}{"\n"}{end}' 2>/dev/null |
    while read -r namespace pod; do
      [[ -n "$pod" ]] || continue
      kubectl_admin -n "$namespace" get pod "$pod" -o jsonpath='{range .status.initContainerStatuses[*]}{.name} {.restartCount}{"\n"}{end}{range .status.containerStatuses[*]}{.name} {.restartCount}{"\n"}{end}' 2>/dev/null |
        while read -r container restarts; do
          [[ -n "$container" ]] || continue
          kubectl_admin -n "$namespace" logs "$pod" -c "$container" --timestamps \
            >"$dir/pods/$namespace.$pod.$container.log" 2>&1 || true
          if [[ "${restarts:-0}" != 0 ]]; then
            kubectl_admin -n "$namespace" logs "$pod" -c "$container" --timestamps --previous \
              >"$dir/pods/$namespace.$pod.$container.previous.log" 2>&1 || true
          fi
        done
    done
  echo "cluster: logs collected in $dir" >&2
}

# ---------------------------------------------------------------------------------------------
# Main

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  load-operator-image) shift; cmd_load_operator_image "$@" ;;
  restart-control-plane) shift; cmd_restart_control_plane "$@" ;;
  logs) shift; cmd_logs "$@" ;;
  -h | --help | help) usage ;;
  "") usage >&2; exit 2 ;;
  *) usage >&2; die "unknown command: $1" ;;
esac
