#!/usr/bin/env bash
# cert-manager's own CRDs, for the integration tests of spec.tls.issuerRef (CertManagerIT).
#
# Keeps cert-manager's released CRD files in the cache and prints CERT_MANAGER_CRDS=<dir> as the
# only line on stdout once every file is there and matches the sha256 pinned below. A machine
# without the files downloads them from cert-manager's tagged sources; a machine that cannot
# reach them prints nothing (and says why on stderr), and CertManagerIT then installs its own
# stand-in CRD instead and says so in its output. No Maven, Debian or npm package carries these
# files, which is why this is a download at all.
#
# Usage:
#   scripts/cert-manager-crds.sh            print CERT_MANAGER_CRDS=<dir>, or nothing
#   REGISTRY_OPERATOR_CACHE=<dir> ...       cache folder (default: $HOME/.cache/registry-operator)
set -euo pipefail

readonly VERSION=v1.21.1
readonly SOURCE=https://raw.githubusercontent.com/cert-manager/cert-manager/$VERSION/deploy/crds

# sha256 of each file of deploy/crds at the tag (the files `kubectl apply` installs for cert-manager).
declare -A SHA256=(
  [cert-manager.io_certificates.yaml]=7ad91029c00ec959d54215b19d3b1a9b7e0247eaa60f987151c2b70d8661f8af
  [cert-manager.io_certificaterequests.yaml]=74cf3801ab146a1745498de5f3b619cde6f2dc89ae03755084be08129ce726c3
  [cert-manager.io_issuers.yaml]=05e37efb02777e0362d24269fa103c2fc11419f9c85e31854ef873e5d9e5c5cc
  [cert-manager.io_clusterissuers.yaml]=30008001b78aafb8e110af61359561104b5fafc3a4dc6ac0013245d0ee3fe4ca
  [acme.cert-manager.io_orders.yaml]=b1e9c938b9724482cc0612aac949b40e062001fc9732234c591f24cb9ffc5ca7
  [acme.cert-manager.io_challenges.yaml]=dff7542a2ee6581e3963a076410212ad3207201b70df8a328aa50826d569161c
)

CACHE_DIR=${REGISTRY_OPERATOR_CACHE:-$HOME/.cache/registry-operator}
readonly DIR=$CACHE_DIR/cert-manager-crds/$VERSION

matches() {
  [[ -f "$DIR/$1" ]] && echo "${SHA256[$1]}  $DIR/$1" | sha256sum --check --status
}

mkdir -p "$DIR"
for file in "${!SHA256[@]}"; do
  matches "$file" && continue
  # Short timeouts: a machine without internet answers at once or not at all.
  if ! curl -fsSL --connect-timeout 5 --max-time 60 -o "$DIR/$file.part" "$SOURCE/$file" 2>/dev/null; then
    rm -f "$DIR/$file.part"
    echo "cert-manager-crds: cannot download cert-manager $VERSION's $file;" \
      "CertManagerIT will install its stand-in CRD" >&2
    exit 0
  fi
  mv "$DIR/$file.part" "$DIR/$file"
  if ! matches "$file"; then
    rm -f "$DIR/$file"
    echo "cert-manager-crds: $file does not match its pinned sha256; not used" >&2
    exit 0
  fi
done
echo "CERT_MANAGER_CRDS=$DIR"
