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
		# -fuzzminimizetime bounds minimizing a new interesting input: with the
		# default (60 s) a minimization still running at the -fuzztime deadline
		# fails the run with "context deadline exceeded", although nothing was
		# wrong with the code.
		go test -timeout 10m -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" -fuzzminimizetime=50x "$pkg" || status=1
	done
done
exit $status
