# Sourced by the scripts that install what they need from Debian's archive (not run by itself).
# The caller defines note, run, fail and die and sets LOG, as scripts/provision-control-plane.sh
# and scripts/cluster.sh do.

package_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" == "ii " ]]
}

# Installs the packages that are missing (as root; otherwise says what to install and stops).
ensure_packages() {
  local missing=() pkg attempt
  for pkg in "$@"; do
    package_installed "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then return 0; fi

  if ((EUID != 0)); then
    die "missing Debian packages: ${missing[*]}
  install them as root first:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}
  (or run this script as root)"
  fi

  note "installing Debian packages: ${missing[*]}"
  # Another apt/dpkg may be running: apt-get install waits for the dpkg lock by itself
  # (DPkg::Lock::Timeout); for the lists lock of apt-get update we retry.
  for attempt in $(seq 1 60); do
    echo "+ apt-get update (attempt $attempt)" >>"$LOG"
    if apt-get -o DPkg::Lock::Timeout=600 update >>"$LOG" 2>&1; then
      break
    fi
    if ! tail -n 5 "$LOG" | grep -q 'Could not get lock'; then
      echo "(apt-get update reported errors; trying the install anyway)" >>"$LOG"
      break
    fi
    sleep 10
  done
  DEBIAN_FRONTEND=noninteractive run apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
  for pkg in "${missing[@]}"; do
    package_installed "$pkg" || fail "package $pkg is still not installed after apt-get install"
  done
}
