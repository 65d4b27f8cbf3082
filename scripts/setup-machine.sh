#!/usr/bin/env bash
# What a Debian or Ubuntu machine needs for Gatehouse's tests, in one place: the package list,
# its installation and the services (dockerd and a local registry, scripts/services.sh).
# `npm test` (scripts/run-tests.mjs) and CI (.ci/run) both use this script; a newcomer never
# has to run it by hand unless `npm test` says so.
#
#   bash scripts/setup-machine.sh --check [SUITE…]     exit 0 when nothing is missing, else 1 and
#                                                      one line per missing package or service
#   sudo bash scripts/setup-machine.sh [SUITE…]        install what is missing, start the services
#   sudo bash scripts/setup-machine.sh --packages all  packages only (CI installs before npm ci)
#   sudo bash scripts/setup-machine.sh --services      services only
#
# SUITE: unit | integration | e2e | security | bench | all (default all). Idempotent, needs no
# standard input (DEBIAN_FRONTEND=noninteractive).
set -euo pipefail
cd "$(dirname "$0")/.."

# Every suite runs in its own D-Bus session with a real gnome-keyring (Secret Service for keytar);
# libsecret-1-dev lets `npm install` build keytar where no prebuilt binary fits; libsecret-tools
# (secret-tool) lets tests look into the keyring from outside Gatehouse.
PKG_BASE=(ca-certificates curl dbus dbus-x11 gnome-keyring libsecret-1-dev libsecret-tools)
# A real Docker engine and registry; Xvfb + xclip for a real clipboard; debootstrap builds the
# PostgreSQL test image from Debian's own packages; docker-compose (Debian's 1.29, the seed
# users' tool) runs the seed's compose stack that the takeover tests adopt.
PKG_DOCKER=(docker.io docker-registry iptables xvfb xauth xclip debootstrap busybox-static docker-compose)
# Playwright drives Debian's Chromium (never a downloaded browser).
PKG_E2E=(chromium xvfb xauth)
# `npm run bench` compares the cold start with `docker-compose up -d` (Debian's compose 1.29).
PKG_BENCH=(docker-compose)

log() { printf '[setup] %s\n' "$*"; }

mode=install
suites=()
for arg in "$@"; do
  case "$arg" in
    --check) mode=check ;;
    --packages) mode=packages ;;
    --services) mode=services ;;
    unit | integration | e2e | security | bench | all) suites+=("$arg") ;;
    *) echo "setup-machine.sh: unknown argument \"$arg\" (see the header of scripts/setup-machine.sh)" >&2; exit 2 ;;
  esac
done
[ ${#suites[@]} -eq 0 ] && suites=(all)

packages=("${PKG_BASE[@]}")
needs_services=0
for s in "${suites[@]}"; do
  case "$s" in
    integration | security) packages+=("${PKG_DOCKER[@]}"); needs_services=1 ;;
    e2e) packages+=("${PKG_DOCKER[@]}" "${PKG_E2E[@]}"); needs_services=1 ;;
    bench) packages+=("${PKG_DOCKER[@]}" "${PKG_BENCH[@]}"); needs_services=1 ;;
    all) packages+=("${PKG_DOCKER[@]}" "${PKG_E2E[@]}" "${PKG_BENCH[@]}"); needs_services=1 ;;
  esac
done
# One of each, in a stable order.
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | awk '!seen[$0]++')

missing_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then return 0; fi
  # One dpkg-query for all of them (it names unknown packages on stderr and leaves them out).
  local installed
  installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null | awk '$NF == "installed" { print $1 }' || true)
  local p
  for p in "${packages[@]}"; do
    printf '%s\n' "$installed" | grep -qx -- "$p" || echo "$p"
  done
}

services_up() {
  docker version >/dev/null 2>&1 && curl -fsS -m 2 http://127.0.0.1:5000/v2/ >/dev/null 2>&1
}

if [ "$mode" = check ]; then
  if ! command -v dpkg-query >/dev/null 2>&1; then
    log "not a Debian or Ubuntu machine: install the equivalents of ${packages[*]} yourself"
  fi
  mapfile -t missing < <(missing_packages)
  ok=1
  if [ ${#missing[@]} -gt 0 ]; then echo "missing packages: ${missing[*]}"; ok=0; fi
  if [ "$needs_services" = 1 ] && ! services_up; then echo "not running: dockerd or the registry on 127.0.0.1:5000"; ok=0; fi
  [ "$ok" = 1 ] && exit 0 || exit 1
fi

if [ "$(id -u)" != 0 ]; then
  echo "setup-machine.sh installs packages and starts dockerd: run it as root (sudo bash scripts/setup-machine.sh)." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive

install_packages() {
  command -v apt-get >/dev/null 2>&1 || { log "no apt-get here: install ${packages[*]} with this system's own tools"; return 1; }
  mapfile -t missing < <(missing_packages)
  if [ ${#missing[@]} -eq 0 ]; then log "packages already installed"; return 0; fi
  log "installing ${missing[*]}"
  apt-get update -qq >/dev/null
  # With recommends: Chromium's fonts, as on a developer's machine.
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

start_services() {
  bash scripts/services.sh
  # Whoever ran this through sudo may use Docker from now on (after logging in again).
  if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ] && getent group docker >/dev/null && ! id -nG "$SUDO_USER" | tr ' ' '\n' | grep -qx docker; then
    usermod -aG docker "$SUDO_USER"
    log "added $SUDO_USER to the docker group: log out and in again (or run \`newgrp docker\`) before \`npm test\`"
  fi
}

case "$mode" in
  packages) install_packages ;;
  services) start_services ;;
  install)
    install_packages
    [ "$needs_services" = 1 ] && start_services
    ;;
esac
exit 0
