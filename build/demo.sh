#!/usr/bin/env bash
# Starts the duplex Finesse simulator with the demo page. web/ (page, npm
# wrapper) and dist/ (the .wasm and wasm_exec.js that `make wasm` built) are
# overlaid under one prefix, so the page loads the package exactly as an app
# that installed it would.
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./cmd/finesse-sim -serve-dir web -serve-dir dist "$@"
