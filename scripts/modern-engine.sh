#!/usr/bin/env bash
# A second, newer Docker engine beside the machine's: Debian 13's docker.io 26 with its containerd
# 1.7 (Engine API 1.45), run as root from the packages' files, on its own socket, data folder,
# bridge and address pool. Debian 12's own engine is 20.10 (API 1.41), which has no healthcheck
# StartInterval (API 1.44+): what Gatehouse does there (the image's healthcheck plus a start period
# checked every second, so `docker ps` agrees within a second or two of readiness) can only be seen
# on a newer engine. The bench's start module and tests/integration/healthcheck-start-interval.test.ts
# use it when it runs.
#
#   sudo bash scripts/modern-engine.sh start   start it (downloads the packages once); prints its DOCKER_HOST
#   sudo bash scripts/modern-engine.sh stop    stop it and remove its containers, data and bridge
#   bash scripts/modern-engine.sh host         print its DOCKER_HOST when it runs (exit 1 otherwise)
#
# It leaves the machine's engine alone: iptables off (a host reaches a container's published port
# through docker-proxy on 127.0.0.1, the only way Gatehouse's tests and bench do), its own bridge
# (never "bridge": "none", with which dockerd deletes the machine's docker0) and 10.253.0.0/17 for
# its networks (the machine's engine allocates from 172.17-31.x and 192.168.x).
# runc is the machine's (Debian 13's needs a newer C library than Debian 12's).
set -euo pipefail

BASE=${GATEHOUSE_ENGINE26_DIR:-/var/tmp/gatehouse-engine26}
SOCK="$BASE/run/docker.sock"
# Named as Docker names a network's bridge (br-<hex>): Gatehouse leaves engine interfaces out of its
# certificate's names (electron/core/tls/names.ts), and this one is an engine's too.
BRIDGE=br-0de26
SUITE=trixie
PACKAGES=(docker.io containerd)

log() { printf '[engine26] %s\n' "$*" >&2; }

running() { [ -S "$SOCK" ] && DOCKER_HOST="unix://$SOCK" docker version >/dev/null 2>&1; }

fetch() {
  [ -x "$BASE/root/usr/sbin/dockerd" ] && [ -x "$BASE/root/usr/bin/containerd" ] && return
  log "downloading ${PACKAGES[*]} from Debian $SUITE"
  local apt="$BASE/apt"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $SUITE main" > "$apt/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o Dir::Etc::sourceparts=/dev/null -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" -qq update
  (cd "$apt/debs" && apt-get "${opts[@]}" -qq download "${PACKAGES[@]}")
  mkdir -p "$BASE/root"
  for deb in "$apt/debs"/*.deb; do dpkg-deb -x "$deb" "$BASE/root"; done
}

start() {
  if running; then echo "DOCKER_HOST=unix://$SOCK"; return; fi
  command -v runc >/dev/null || { log "runc is missing (apt-get install runc)"; exit 1; }
  fetch
  mkdir -p "$BASE/bin" "$BASE/run" "$BASE/containerd" "$BASE/docker" "$BASE/exec"
  local b
  for b in containerd containerd-shim-runc-v2 ctr docker-init; do ln -sf "$BASE/root/usr/bin/$b" "$BASE/bin/$b"; done
  ln -sf "$BASE/root/usr/sbin/dockerd" "$BASE/bin/dockerd"
  ln -sf "$BASE/root/usr/sbin/docker-proxy" "$BASE/bin/docker-proxy"
  ln -sf "$(command -v runc)" "$BASE/bin/runc"
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add 10.253.255.1/24 dev "$BRIDGE"
    ip link set "$BRIDGE" up
  fi
  cat > "$BASE/containerd.toml" <<EOF
version = 2
root = "$BASE/containerd"
state = "$BASE/run/containerd"
[grpc]
  address = "$BASE/run/containerd.sock"
[ttrpc]
  address = "$BASE/run/containerd.sock.ttrpc"
[debug]
  address = "$BASE/run/containerd-debug.sock"
EOF
  cat > "$BASE/daemon.json" <<EOF
{
  "data-root": "$BASE/docker",
  "exec-root": "$BASE/exec",
  "pidfile": "$BASE/run/docker.pid",
  "hosts": ["unix://$SOCK"],
  "containerd": "$BASE/run/containerd.sock",
  "bridge": "$BRIDGE",
  "default-address-pools": [{ "base": "10.253.0.0/17", "size": 24 }],
  "iptables": false,
  "ip6tables": false,
  "userland-proxy-path": "$BASE/bin/docker-proxy"
}
EOF
  local path="$BASE/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  log "starting containerd and dockerd on $SOCK"
  nohup env PATH="$path" containerd --config "$BASE/containerd.toml" > "$BASE/containerd.log" 2>&1 &
  echo $! > "$BASE/run/containerd.pid"
  for _ in $(seq 1 60); do [ -S "$BASE/run/containerd.sock" ] && break; sleep 0.25; done
  nohup env PATH="$path" dockerd --config-file "$BASE/daemon.json" > "$BASE/dockerd.log" 2>&1 &
  for _ in $(seq 1 120); do
    if running; then
      log "up: $(DOCKER_HOST="unix://$SOCK" docker version --format 'Docker {{.Server.Version}}, Engine API {{.Server.APIVersion}}')"
      echo "DOCKER_HOST=unix://$SOCK"
      return
    fi
    sleep 0.5
  done
  log "dockerd did not come up; last log lines:"; tail -n 20 "$BASE/dockerd.log" >&2; exit 1
}

stop() {
  if running; then DOCKER_HOST="unix://$SOCK" docker ps -aq | xargs -r env DOCKER_HOST="unix://$SOCK" docker rm -f >/dev/null || true; fi
  local f pid
  for f in docker containerd; do
    pid=$(cat "$BASE/run/$f.pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do { [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; } && break; sleep 0.25; done
  done
  # Mounts the engine left (overlay layers, netns) before its folder goes.
  mount | awk -v base="$BASE/" 'index($3, base) == 1 { print $3 }' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link del "$BRIDGE"
  rm -rf "$BASE/run" "$BASE/containerd" "$BASE/docker" "$BASE/exec"
  log "stopped (the downloaded packages stay in $BASE/root)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  host) running && echo "unix://$SOCK" ;;
  *) echo "usage: modern-engine.sh start|stop|host" >&2; exit 2 ;;
esac
