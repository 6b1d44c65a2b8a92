#!/usr/bin/env bash
# Runs every fuzz target in the module for a fixed time each. Targets are found
# by name, so a new Fuzz function is fuzzed without editing this file.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-10s}
status=0

# fuzz_once runs one target; its output goes to stdout and to $log.
fuzz_once() {
	# -fuzzminimizetime bounds minimizing a new interesting input (default
	# 60 s), which a short -fuzztime would otherwise spend mostly waiting on.
	go test -timeout 10m -run='^$' -fuzz="^$2\$" -fuzztime="$fuzztime" -fuzzminimizetime=50x "$1" 2>&1 | tee "$log"
	return "${PIPESTATUS[0]}"
}

# coordinator_race says whether a failed run is Go's fuzz coordinator race
# (golang/go#75804, fixed in Go 1.27; this module is on 1.26): at the
# -fuzztime deadline it may report its own "context deadline exceeded" as
# the target's failure. A real failure writes the failing input and says so.
coordinator_race() {
	grep -q '^    context deadline exceeded$' "$log" && ! grep -q 'Failing input written to' "$log"
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "== $pkg $target ($fuzztime)"
		ok=0
		for attempt in 1 2 3; do
			if fuzz_once "$pkg" "$target"; then
				ok=1
				break
			fi
			coordinator_race || break
			echo "== $target: Go's fuzz coordinator race at the deadline (golang/go#75804), no input failed; again ($attempt/3)"
		done
		[ $ok = 1 ] || status=1
	done
done
exit $status
