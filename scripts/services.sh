#!/usr/bin/env bash
# Starts the services the test suites need on a Debian or Ubuntu machine: dockerd and a local
# docker-registry on 127.0.0.1:5000. Idempotent: safe to run when they already run. Called by
# scripts/setup-machine.sh (which `npm test` runs as root when something is missing).
# gnome-keyring is not started here: each test run gets its own dbus session and keyring
# (scripts/run-tests.mjs), so no test can see a keyring left locked by another run.
set -euo pipefail

log() { printf '[services] %s\n' "$*"; }

start_dockerd() {
  if docker version >/dev/null 2>&1; then log "dockerd already running"; return; fi
  # A machine booted with systemd (a desktop, a VM) has Docker's own unit: use it.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    log "starting docker through systemd"
    if systemctl start docker; then
      for _ in $(seq 1 120); do
        if docker version >/dev/null 2>&1; then log "dockerd up"; return; fi
        sleep 0.5
      done
    fi
    log "systemctl start docker did not bring it up; starting dockerd directly"
  fi
  # A pid file left by a killed dockerd makes the next one refuse to start.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    log "removing stale /var/run/docker.pid"; rm -f /var/run/docker.pid
  fi
  rm -f /var/run/docker.sock
  log "starting dockerd"
  nohup dockerd >/var/log/gatehouse-dockerd.log 2>&1 &
  for _ in $(seq 1 120); do
    if [ -S /var/run/docker.sock ] && docker version >/dev/null 2>&1; then log "dockerd up"; return; fi
    sleep 0.5
  done
  log "dockerd did not come up; last log lines:"; tail -n 30 /var/log/gatehouse-dockerd.log; exit 1
}

start_registry() {
  if curl -fsS -m 2 http://127.0.0.1:5000/v2/ >/dev/null 2>&1; then log "registry already running"; return; fi
  local cfg=/etc/gatehouse-registry.yml
  mkdir -p /var/lib/gatehouse-registry
  cat >"$cfg" <<'YML'
version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/gatehouse-registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
YML
  log "starting docker-registry on 127.0.0.1:5000"
  nohup docker-registry serve "$cfg" >/var/log/gatehouse-registry.log 2>&1 &
  for _ in $(seq 1 60); do
    if curl -fsS -m 2 http://127.0.0.1:5000/v2/ >/dev/null 2>&1; then log "registry up"; return; fi
    sleep 0.5
  done
  log "registry did not come up"; tail -n 30 /var/log/gatehouse-registry.log; exit 1
}

start_dockerd
start_registry
