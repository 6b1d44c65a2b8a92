#!/usr/bin/env bash
# Prints raw, gzip -9 and brotli -q 11 sizes of the files given, in bytes.
set -euo pipefail
printf '%-32s %12s %12s %12s\n' file raw gzip-9 brotli-11
for f in "$@"; do
	raw=$(stat -c %s "$f")
	gz=$(gzip -9 -c "$f" | wc -c)
	br=$(brotli -q 11 -c "$f" | wc -c)
	printf '%-32s %12d %12d %12d\n' "$(basename "$f")" "$raw" "$gz" "$br"
done
