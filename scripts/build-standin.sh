#!/usr/bin/env bash
# Builds the LiteLLM stand-in images locally (no pull is possible here) with `docker import`:
# the host's node binary, the libraries ldd lists, and tests/standin/. Two tags:
#   gatehouse-test/litellm-standin:plain  like LiteLLM's own images: no HEALTHCHECK
#   gatehouse-test/litellm-standin:seed   like the seed image: HEALTHCHECK on readiness with the key,
#                                         with the seed's timing
# Skips the build when the images exist with the same content hash (label gatehouse.standin.hash).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
src="$here/tests/standin"
repo=gatehouse-test/litellm-standin
node_bin=$(readlink -f "$(command -v node)")
busybox_bin=/bin/busybox  # Debian's busybox-static (scripts/setup-machine.sh)
hash=$( (cat "$src"/*.js "$0"; sha256sum "$node_bin" "$busybox_bin") | sha256sum | cut -c1-16)

have=$(docker image inspect -f '{{ index .Config.Labels "gatehouse.standin.hash" }}' "$repo:seed" 2>/dev/null || true)
if [ "$have" = "$hash" ] && docker image inspect "$repo:plain" >/dev/null 2>&1; then
  echo "[standin] images up to date ($hash)"; exit 0
fi

root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{app,tmp,etc,home/claude/.claude,usr/bin}
chmod 1777 "$root/tmp"
cp "$node_bin" "$root/usr/bin/node"
# A shell, as the seed image has: swarm mode's wrapper command (/bin/sh -c …) runs in it.
mkdir -p "$root/bin"; cp "$busybox_bin" "$root/bin/busybox"; ln -s busybox "$root/bin/sh"
# The loader and every library node links against, at the same paths.
for lib in $(ldd "$node_bin" | grep -oE '/[^ ]+'); do
  mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
done
cp "$src"/*.js "$root/app/"
printf 'root:x:0:0:root:/root:/bin/false\nclaude:x:1000:1000:claude:/home/claude:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nclaude:x:1000:\n' >"$root/etc/group"

tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$root.base.tar" --exclude=./home .
# /home/claude belongs to the claude user, as in the seed image, so the volume mounted at
# /home/claude/.claude is writable by the gateway.
tar -C "$root" --numeric-owner --owner=1000 --group=1000 -rf "$root.base.tar" ./home
docker import \
  --change 'ENTRYPOINT ["/usr/bin/node", "/app/server.js"]' \
  --change 'USER claude' \
  --change 'WORKDIR /home/claude' \
  --change 'ENV HOME=/home/claude' \
  --change 'EXPOSE 4000' \
  --change "LABEL gatehouse.standin.hash=$hash" \
  "$root.base.tar" "$repo:plain" >/dev/null
rm -f "$root.base.tar"

# `docker import` cannot set HEALTHCHECK; a one-line local build on top can (FROM a local image
# needs no pull). The timing is the seed image's exactly (30 s interval, 10 s timeout, 3 retries,
# no start period): Docker runs the first check one interval after start, so tests and benchmarks
# meet what users meet wherever something waits on Docker's health status.
ctx=$(mktemp -d)
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $repo:plain
HEALTHCHECK --interval=30s --timeout=10s --retries=3 CMD ["/usr/bin/node", "/app/healthcheck.js"]
DOCKERFILE
DOCKER_BUILDKIT=0 docker build -q -t "$repo:seed" "$ctx" >/dev/null
rm -rf "$ctx"
echo "[standin] built $repo:plain and $repo:seed ($hash)"
