#!/usr/bin/env bash
# Installs the programs the test suite runs (the tests never skip when one is missing: they fail).
# `npm test` runs this first (pretest) and .ci/run calls it too. As root on Debian/Ubuntu it
# installs the missing Debian packages (one `apt-get update`, quiet, nothing when all are there);
# otherwise it lists what is missing and how to install it, and fails.
set -euo pipefail

# program (as the tests call it; `dynaconf`: the Python module) → Debian package that provides it
declare -A PACKAGES=(
  [age]=age                      # the real age CLI opens our SOPS data keys
  [shellcheck]=shellcheck        # every embedded shell script is linted for its image's shell
  [busybox]=busybox              # … and run under busybox sh (busybox/curl/alpine images)
  [curl]=curl                    # the arr-wiring script calls the Arr APIs with curl
  [psql]=postgresql-client       # the Arrs' database logins and the restore runbook
  [initdb]=postgresql            # a real PostgreSQL server for the init → backup → restore chain
  [testparm]=samba-common-bin    # the rendered Samba configuration is checked by Samba itself
  [runuser]=util-linux           # initdb refuses root: the test server runs as `postgres`
  [dynaconf]=python3-dynaconf    # Bazarr's config library reads the env the Bazarr module sets
  [docker-compose]=docker-compose  # the external ClusterPlex worker's Compose file is checked by `docker-compose config` (offline)
  [chromium]=chromium            # the docs' Mermaid diagrams are rendered by mermaid in headless Chromium (never a downloaded browser)
  [openssl]=openssl              # a self-signed API server cert: the Plex token writer trusts only the cluster CA
  [jq]=jq                        # npm run verify's in-container filters run with the jq the Arr images ship
)

# initdb lives in the versioned server folder, not on PATH; dynaconf is a module of Debian's python3.
have() {
  case "$1" in
    initdb) compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null ;;
    dynaconf) [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import dynaconf' >/dev/null 2>&1 ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing=()
for prog in "${!PACKAGES[@]}"; do have "$prog" || missing+=("${PACKAGES[$prog]}"); done
if [ "${#missing[@]}" -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! log=$( (apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}") 2>&1); then
      printf '%s\n' "$log" >&2
      echo "test setup: installing ${missing[*]} failed (see above)" >&2
      exit 1
    fi
  else
    echo "test setup: the tests need these Debian packages: ${missing[*]}" >&2
    echo "  install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# Not a Debian package: the tests render every folder with `kubectl kustomize`.
if ! command -v kubectl >/dev/null 2>&1; then
  echo "test setup: kubectl (1.32, with its built-in kustomize) must be on PATH: https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/" >&2
  exit 1
fi
