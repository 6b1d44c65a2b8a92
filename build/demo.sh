#!/usr/bin/env bash
# Starts the duplex Finesse simulator with the demo page.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d cmd/finesse-sim ]; then
	echo "make demo: not yet — the simulator (issue 5) has not landed; 'make wasm' built dist/finesse-ha.wasm."
	exit 0
fi
exec go run ./cmd/finesse-sim -serve-dir web "$@"
