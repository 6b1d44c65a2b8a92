#!/usr/bin/env bash
# Prints raw, gzip -9 and brotli -q 11 sizes of the files given, in bytes.
# With -check FILE GZIP BROTLI: fails unless FILE is at most GZIP bytes
# gzip -9 and BROTLI bytes brotli -q 11 (SPEC §7's target for the .wasm).
set -euo pipefail
sizes() { echo "$(stat -c %s "$1") $(gzip -9 -c "$1" | wc -c) $(brotli -q 11 -c "$1" | wc -c)"; }
if [ "${1:-}" = -check ]; then
	read -r _ gz br < <(sizes "$2")
	if [ "$gz" -le "$3" ] && [ "$br" -le "$4" ]; then
		echo "size: $(basename "$2") is within the target: gzip $gz <= $3, brotli $br <= $4"
		exit 0
	fi
	echo "size: $(basename "$2") misses the target: gzip $gz (limit $3), brotli $br (limit $4)" >&2
	exit 1
fi
printf '%-32s %12s %12s %12s\n' file raw gzip-9 brotli-11
for f in "$@"; do
	read -r raw gz br < <(sizes "$f")
	printf '%-32s %12d %12d %12d\n' "$(basename "$f")" "$raw" "$gz" "$br"
done
