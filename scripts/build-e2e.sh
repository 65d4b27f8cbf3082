#!/usr/bin/env bash
# Called by scripts/run-tests.mjs before the e2e suite: the e2e tests load the BUILT renderer
# (dist/renderer), so build it from the current sources (Vite, well under a second).
set -euo pipefail
cd "$(dirname "$0")/.."
npx vite build --logLevel warn
