#!/usr/bin/env bash
# npm.sh OUT WASMDIR: assembles the npm package in OUT from web/ (the
# client), gadget/ (CRM adapters, postMessage bridge, gadget loader, CRM
# softphone: copied, not moved, so they stay next to their tests) and build/npm/ (types and
# entry points only the package has), with finesse-ha.wasm and wasm_exec.js
# from WASMDIR (`make wasm`'s dist/). `make npm` runs it; so do the package
# tests in internal/e2e, on the .wasm they build. The layout is described in
# build/npm/README.md; package.json's `files` and `exports` name every file.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 2 ] || { echo "usage: $0 OUT WASMDIR" >&2; exit 2; }
out=$1
wasmdir=$(cd "$2" && pwd)
for f in finesse-ha.wasm wasm_exec.js; do
	[ -f "$wasmdir/$f" ] || { echo "npm: $wasmdir/$f is missing (make wasm)" >&2; exit 1; }
done

rm -rf "$out"
mkdir -p "$out/crm" "$out/gadget" "$out/softphone"
out=$(cd "$out" && pwd)
cd "$root"

# ship SRC DST: copies a JavaScript file, first line the SPDX identifier that
# license scanners look for, unless the source has one.
ship() {
	if head -n 3 "$1" | grep -q 'SPDX-License-Identifier'; then
		cp "$1" "$2"
	else
		{ echo '// SPDX-License-Identifier: Apache-2.0'; cat "$1"; } > "$2"
	fi
}

cp web/package.json web/README.md web/index.d.ts LICENSE CHANGELOG.md "$out/"
# index.js and the modules beside it: the loader, and the runtime host
# (worker.js, which index.js starts by URL next to itself, and what it imports).
for f in index loader remote host relay worker; do
	ship "web/$f.js" "$out/$f.js"
done

# finesse-ha.wasm links the Go runtime and standard library and the modules
# below; their licenses travel with it.
command -v go >/dev/null 2>&1 || export PATH=/usr/local/go/bin:$PATH
{
	echo "# Third-party notices"
	echo
	echo "finesse-ha.wasm (and wasm_exec.js) contain code of the Go project and of the Go modules below,"
	echo "each under its license, reproduced here. The rest of finesse-ha is under the Apache License 2.0 (LICENSE)."
	echo
	echo "## The Go project ($(go env GOVERSION)): runtime, standard library, wasm_exec.js"
	echo
	echo '```'
	cat "$(go env GOROOT)/LICENSE"
	echo '```'
	GOOS=js GOARCH=wasm go list -deps -f '{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}} {{.Dir}}{{end}}{{end}}' ./wasm | sort -u |
		while read -r path version moddir; do
			echo
			echo "## $path $version"
			for lic in "$moddir"/LICENSE* "$moddir"/COPYING* "$moddir"/NOTICE*; do
				[ -f "$lic" ] || continue
				echo
				[ "$(basename "$lic")" = LICENSE ] || echo "$(basename "$lic"):"
				echo '```'
				cat "$lic"
				echo '```'
			done
		done
} > "$out/THIRD-PARTY-NOTICES.md"

cp "$wasmdir/finesse-ha.wasm" "$out/"
# Go's runtime glue keeps the Go authors' BSD license; it says so in its header.
{ echo '// SPDX-License-Identifier: BSD-3-Clause'; cat "$wasmdir/wasm_exec.js"; } > "$out/wasm_exec.js"

for f in gadget/adapters/*.js; do ship "$f" "$out/crm/$(basename "$f")"; done
ship gadget/postmessage-bridge.js "$out/postmessage-bridge.js"
ship gadget/desktop-follower.js "$out/gadget/desktop-follower.js"
ship gadget/gadget.js "$out/gadget/gadget.js"
cp gadget/gadget.css gadget/finesse-ha.xml "$out/gadget/"
# The CRM softphone page, deployable from the installed package: its imports
# are rewritten from the repository's layout to the package's, and the build
# fails on one it cannot place (build/npm-softphone.mjs).
ship gadget/softphone-main.js "$out/softphone/softphone-main.js"
ship gadget/softphone.js "$out/softphone/softphone.js"
cp gadget/softphone.html gadget/softphone.css "$out/softphone/"
node build/npm-softphone.mjs "$out"

cp build/npm/crm/*.d.ts "$out/crm/"
cp build/npm/postmessage-bridge.d.ts "$out/"
cp build/npm/gadget/index.js build/npm/gadget/index.d.ts "$out/gadget/"

# The classic-script build, for hosts that cannot load ES modules: one file
# that defines the global finesseHA (createClient, Client), wasm_exec.js
# inside, finesse-ha.wasm found next to the script (build/npm/classic-script-url.js).
tools=$(build/npm-ci.sh build/npm-tools)
version=$(node -p 'require("./web/package.json").version')
"$tools/node_modules/.bin/esbuild" "$out/index.js" --bundle --format=iife --global-name=finesseHA \
	--target=es2020 --log-level=warning \
	--inject:build/npm/classic-script-url.js --define:import.meta.url=scriptURL \
	--banner:js="/*! finesse-ha $version, classic script: defines finesseHA.createClient | SPDX-License-Identifier: Apache-2.0 AND BSD-3-Clause (includes Go's wasm_exec.js, Copyright The Go Authors) */" \
	--outfile="$out/finesse-ha.global.js"

# The .wasm must report the version it is packed as.
node build/npm-version.mjs "$out"
