#!/usr/bin/env bash
# Runs every fuzz target in the module for a fixed time each. Targets are found
# by name, so a new Fuzz function is fuzzed without editing this file.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-10s}
status=0
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "== $pkg $target ($fuzztime)"
		go test -timeout 10m -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" "$pkg" || status=1
	done
done
exit $status
