#!/usr/bin/env bash
# npm-ci.sh FIXTURE_DIR: installs a fixture's locked devDependencies from the
# npm registry once, into .cache/npm/<name>-<lockfile hash>/, and prints that
# folder. The lockfile's hash keys the folder, so a changed lockfile gets a
# fresh install and an unchanged one costs nothing (CI caches .cache/npm).
# Used by build/npm.sh (esbuild, publint, TypeScript) and by the package tests
# in internal/e2e (the bundler fixtures under web/test/bundlers/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fixture=$(cd "$1" && pwd)
[ -f "$fixture/package-lock.json" ] || { echo "npm-ci: $fixture has no package-lock.json" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "npm-ci: npm is not on PATH (Debian: apt-get install npm, or Node.js >= 20.11)" >&2; exit 1; }
hash=$(cat "$fixture/package.json" "$fixture/package-lock.json" | sha256sum | cut -c1-12)
dir="$root/.cache/npm/$(basename "$fixture")-$hash"
if [ ! -f "$dir/.installed" ]; then
	rm -rf "$dir" && mkdir -p "$dir"
	cp "$fixture/package.json" "$fixture/package-lock.json" "$dir/"
	# Quiet unless it fails: the log goes to stderr then.
	if ! log=$(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error 2>&1); then
		echo "$log" >&2
		echo "npm-ci: npm ci failed in $dir" >&2
		exit 1
	fi
	touch "$dir/.installed"
fi
echo "$dir"
