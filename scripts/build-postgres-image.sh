#!/usr/bin/env bash
# Builds a real PostgreSQL image locally (no image can be pulled here) for the database tests:
#   gatehouse-test/postgres:15
# Debian bookworm's own `postgresql-15` package on a `debootstrap --variant=minbase` root,
# trimmed, `docker import`ed, with an entrypoint that behaves like the official image's on the
# points Gatehouse relies on (POSTGRES_PASSWORD / POSTGRES_USER / POSTGRES_DB and their _FILE
# forms, which Swarm mode's POSTGRES_PASSWORD_FILE uses; data in
# /var/lib/postgresql/data initialised on first start, listens on 5432, stops on SIGINT) and a
# pg_isready HEALTHCHECK added by a one-line local build on top.
#
# The seed's stack runs postgres:16; bookworm ships 15. The wire protocol, SCRAM auth and the
# entrypoint contract are the same, so it stands in for 16 in tests, but data folders are not
# interchangeable between major versions: a volume written by 16 does not open in this image.
#
# Caches: the image is skipped when it exists with the same content hash (label
# gatehouse.postgres.hash); the debootstrap root is kept as a tarball in /var/cache/gatehouse/,
# so a rebuild on the same machine (image deleted, or only this script's trimming/entrypoint
# changed) takes seconds instead of a download.
set -euo pipefail

repo=gatehouse-test/postgres
tag=15
image="$repo:$tag"
suite=bookworm
packages=postgresql-15
cache_dir=${GATEHOUSE_CACHE_DIR:-/var/cache/gatehouse}

# The Debian mirror apt uses on this machine (deb822 sources or the classic list), so the
# build needs no address of its own.
mirror() {
  local m
  m=$(grep -hs -E '^URIs:' /etc/apt/sources.list.d/debian.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
  [ -n "$m" ] || m=$(grep -hs -E '^deb +(\[[^]]*\] +)?https?://[^ ]+ +bookworm( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -oE 'https?://[^ ]+' | head -n1 || true)
  [ -n "$m" ] || m=$(grep -hs -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -E '/debian/?$' | head -n1 || true)
  echo "${m:-http://deb.debian.org/debian}"
}
MIRROR=$(mirror)

hash=$(cat "$0" | sha256sum | cut -c1-16)
have=$(docker image inspect -f '{{ index .Config.Labels "gatehouse.postgres.hash" }}' "$image" 2>/dev/null || true)
if [ "$have" = "$hash" ]; then
  echo "[postgres] image $image up to date ($hash)"; exit 0
fi

t0=$SECONDS
mkdir -p "$cache_dir"
# The raw root depends only on the suite and the package list: changing the trimming or the
# entrypoint below reuses it.
base_key=$(printf '%s %s %s minbase v1' "$suite" "$packages" "$(dpkg --print-architecture)" | sha256sum | cut -c1-16)
base_tar="$cache_dir/postgres-debootstrap-$suite-$base_key.tar"

work=$(mktemp -d /var/tmp/gatehouse-pg.XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"

if [ -f "$base_tar" ]; then
  echo "[postgres] using cached debootstrap root $base_tar"
  tar -C "$root" --numeric-owner -xpf "$base_tar"
else
  command -v debootstrap >/dev/null || { echo "[postgres] debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
  echo "[postgres] debootstrap $suite + $packages from $MIRROR (once per machine)"
  if ! debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1; then
    echo "[postgres] debootstrap failed; last lines:" >&2; tail -n 30 "$work/debootstrap.log" >&2
    [ -f "$root/debootstrap/debootstrap.log" ] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
    exit 1
  fi
  # Downloaded .debs and package lists are not part of the root; dropping them here keeps the
  # cached tarball small.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/debootstrap
  tar -C "$root" --numeric-owner -cpf "$base_tar.tmp" .
  mv "$base_tar.tmp" "$base_tar"
  echo "[postgres] cached debootstrap root at $base_tar ($((SECONDS - t0))s)"
fi

pg_version=$(chroot "$root" dpkg-query -W -f '${Version}' postgresql-15)

# --- trim: what a database server never uses ---------------------------------------------------
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
  "$root"/usr/share/locale/* "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* \
  "$root"/var/cache/debconf/*-old "$root"/var/log/*.log "$root"/var/log/apt/* \
  "$root"/dev/* "$root"/proc/* "$root"/sys/*
# JIT needs LLVM (130 MB with libz3); without llvmjit.so PostgreSQL simply runs without JIT.
rm -f "$root"/usr/lib/postgresql/15/lib/llvmjit* "$root"/usr/lib/x86_64-linux-gnu/libLLVM-* "$root"/usr/lib/x86_64-linux-gnu/libz3.so*
rm -rf "$root"/usr/lib/postgresql/15/lib/bitcode
# The package made a cluster "main" for its own init scripts; the entrypoint makes its own.
rm -rf "$root"/var/lib/postgresql/15 "$root"/etc/postgresql/15

# The official image runs postgres as uid/gid 999: use the same ids so a data volume has the
# same owner whichever image wrote it.
old_uid=$(awk -F: '$1=="postgres"{print $3}' "$root/etc/passwd")
old_gid=$(awk -F: '$1=="postgres"{print $3}' "$root/etc/group")
sed -i -E "s/^postgres:x:$old_uid:$old_gid:/postgres:x:999:999:/" "$root/etc/passwd"
sed -i -E "s/^postgres:x:$old_gid:/postgres:x:999:/" "$root/etc/group"
find "$root" -xdev \( -uid "$old_uid" -o -gid "$old_gid" \) -exec chown -h 999:999 {} +

mkdir -p "$root/var/lib/postgresql/data" "$root/run/postgresql"
chown 999:999 "$root/var/lib/postgresql" "$root/var/lib/postgresql/data" "$root/run/postgresql"
chmod 700 "$root/var/lib/postgresql/data"
chmod 2777 "$root/run/postgresql"

# --- the entrypoint ---------------------------------------------------------------------------
cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/bash
# Like the official postgres image's entrypoint: initialise PGDATA on first start from
# POSTGRES_PASSWORD / POSTGRES_USER / POSTGRES_DB (scram-sha-256 for every TCP client), then run
# postgres in the foreground as the postgres user. The password is handed to initdb and psql
# through a pipe, never as an argument.
set -Eeuo pipefail
export PATH=/usr/lib/postgresql/15/bin:$PATH
PGDATA=${PGDATA:-/var/lib/postgresql/data}
export PGDATA

# The official image's file_env: VAR_FILE names a file (a Docker/Swarm secret in /run/secrets)
# whose content becomes VAR; both set is an error; the _FILE variable is unset afterwards. Called
# while still root, as the official entrypoint's docker_setup_env is, so a secret mounted 0400
# root is readable; the value then crosses the privilege drop in the environment.
file_env() {
  local var="$1"
  local fileVar="${var}_FILE"
  local def="${2:-}"
  if [ "${!var:-}" ] && [ "${!fileVar:-}" ]; then
    printf >&2 'error: both %s and %s are set (but are exclusive)\n' "$var" "$fileVar"
    exit 1
  fi
  local val="$def"
  if [ "${!var:-}" ]; then
    val="${!var}"
  elif [ "${!fileVar:-}" ]; then
    val="$(< "${!fileVar}")"
  fi
  export "$var"="$val"
  unset "$fileVar"
}
file_env POSTGRES_PASSWORD
file_env POSTGRES_USER llmproxy
file_env POSTGRES_DB litellm

log() { echo "$(date -u '+%Y-%m-%d %H:%M:%S.000 UTC') [entrypoint] $*"; }
fail() { echo "$(date -u '+%Y-%m-%d %H:%M:%S.000 UTC') [entrypoint] ERROR: $*" >&2; exit 1; }

if [ "$(id -u)" = 0 ]; then
  # As root: make the data folder the postgres user's (a fresh named volume is root's), then
  # drop privileges for good.
  mkdir -p "$PGDATA" 2>/dev/null || fail "cannot create the data folder $PGDATA (is the volume mounted read-only?)"
  if [ "$(stat -c %u "$PGDATA")" != 999 ]; then
    chown -R postgres:postgres "$PGDATA" 2>/dev/null || fail "cannot take ownership of the data folder $PGDATA: $(touch "$PGDATA/.probe" 2>&1 | sed 's/^touch: //')"
  fi
  chmod 700 "$PGDATA" 2>/dev/null || true
  mkdir -p /run/postgresql && chown postgres:postgres /run/postgresql && chmod 2777 /run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if ! touch "$PGDATA/.gatehouse-write-probe" 2>/dev/null; then
  fail "the data folder $PGDATA is not writable by uid $(id -u) (permissions of the volume)"
fi
rm -f "$PGDATA/.gatehouse-write-probe"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -n "$(ls -A "$PGDATA" 2>/dev/null)" ]; then
    fail "the data folder $PGDATA is not empty but holds no database (no PG_VERSION); refusing to initialise over it"
  fi
  [ -n "${POSTGRES_PASSWORD:-}" ] || fail "the database is uninitialized and POSTGRES_PASSWORD is not set"
  log "initialising a new database cluster in $PGDATA for user \"$POSTGRES_USER\""
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  {
    echo "listen_addresses = '*'"
    echo "password_encryption = 'scram-sha-256'"
  } >>"$PGDATA/postgresql.conf"
  printf 'local all all trust\nhost all all all scram-sha-256\n' >"$PGDATA/pg_hba.conf"
  # A private server on the unix socket only, so nobody connects before the database exists
  # (pg_isready on TCP, the health check, stays false until the real start below).
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    psql -v ON_ERROR_STOP=1 -q --username="$POSTGRES_USER" --dbname=postgres \
      -c "CREATE DATABASE \"$POSTGRES_DB\"" >/dev/null
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  log "database \"$POSTGRES_DB\" ready"
else
  log "PostgreSQL data folder $PGDATA holds a database (version $(cat "$PGDATA/PG_VERSION")); skipping initialisation"
  if [ "$(cat "$PGDATA/PG_VERSION")" != 15 ]; then
    fail "the data folder was written by PostgreSQL $(cat "$PGDATA/PG_VERSION"), this image runs PostgreSQL 15"
  fi
fi

exec postgres -D "$PGDATA" "$@"
ENTRYPOINT
chmod 755 "$root/usr/local/bin/docker-entrypoint.sh"

tar -C "$root" --numeric-owner -cf "$work/rootfs.tar" .
docker import \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV PGDATA=/var/lib/postgresql/data' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'VOLUME /var/lib/postgresql/data' \
  --change 'EXPOSE 5432' \
  "$work/rootfs.tar" "$repo:$tag-base" >/dev/null
rm -f "$work/rootfs.tar"

# `docker import` cannot set HEALTHCHECK or STOPSIGNAL; a small local build on top can (FROM a local image
# needs no pull). Same check as the seed's compose file: pg_isready on the database and user.
cat >"$work/Dockerfile" <<DOCKERFILE
FROM $repo:$tag-base
# SIGINT = PostgreSQL's "fast" shutdown, as the official image does (import cannot set it).
STOPSIGNAL SIGINT
HEALTHCHECK --interval=1s --timeout=3s --start-period=60s --retries=5 CMD pg_isready -q -h 127.0.0.1 -p 5432 -U "\${POSTGRES_USER:-llmproxy}" -d "\${POSTGRES_DB:-litellm}" || exit 1
LABEL gatehouse.postgres.hash=$hash \
      org.opencontainers.image.title="PostgreSQL $pg_version (Debian $suite) for Gatehouse tests" \
      org.opencontainers.image.version="$pg_version" \
      org.opencontainers.image.description="Stands in for the seed's postgres:16 in tests; Debian bookworm ships PostgreSQL 15"
DOCKERFILE
# (The legacy builder prints a deprecation notice on stderr: shown only when the build fails.)
if ! DOCKER_BUILDKIT=0 docker build -q -t "$image" "$work" >"$work/build.log" 2>&1; then
  echo "[postgres] docker build failed:" >&2; cat "$work/build.log" >&2; exit 1
fi
docker rmi "$repo:$tag-base" >/dev/null 2>&1 || true
size=$(docker image inspect -f '{{.Size}}' "$image")
echo "[postgres] built $image (PostgreSQL $pg_version, $((size / 1048576)) MB, $hash) in $((SECONDS - t0))s"
