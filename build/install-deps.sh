#!/usr/bin/env bash
# Installs what `make test`, `make demo` and `make bench` need on a fresh Debian
# machine, and nothing that is already there. Idempotent: a second run only
# checks. Everything comes from Debian's packages or the Go module proxy, so a
# new CI machine ends up with exactly what a developer's machine has.
set -euo pipefail
cd "$(dirname "$0")/.."

# Go: the project pins its toolchain in go.mod; /usr/local/go is where this
# machine kind has it, even when a non-login shell lacks it on PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH=/usr/local/go/bin:$PATH
fi
command -v go >/dev/null 2>&1 || { echo "install-deps: Go is not installed (need go $(sed -n 's/^go //p' go.mod))" >&2; exit 1; }

# Debian packages, by the command each provides.
declare -A pkg_for=(
	[chromium]=chromium          # headless browser for wasm and end-to-end tests
	[chromedriver]=chromium-driver
	[prosody]=prosody            # real XMPP server (BOSH, WebSocket, pubsub) for integration tests
	[brotli]=brotli              # size report
	[curl]=curl                  # readiness checks in make demo
)
missing=()
for cmd in "${!pkg_for[@]}"; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg_for[$cmd]}")
done
# ejabberd, the second independent XMPP server of the notification tests
# (internal/testkit/xmpptest runs it with erl in a temp dir). Its ejabberdctl lives in
# /usr/sbin, which is not on every user's PATH, so ask dpkg.
dpkg-query -W -f='${Status}' ejabberd 2>/dev/null | grep -q 'install ok installed' || missing+=(ejabberd)
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing Debian packages: ${missing[*]}"
	SUDO=""
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
		SUDO=sudo
	fi
	# The image's policy-rc.d keeps the packaged prosody and ejabberd services from starting;
	# tests start their own instances on free ports either way.
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
fi

# Node runs the JS wrapper's and the gadget's tests (node --test, mock timers'
# {apis} form: 20.11+). Debian bookworm's nodejs is 18, so an older node is an
# error naming the need rather than a silent downgrade.
node_ok=$(node -e 'const [a,b]=process.versions.node.split(".").map(Number); console.log(a>20||(a==20&&b>=11)?"yes":"no")' 2>/dev/null || echo missing)
if [ "$node_ok" != yes ]; then
	echo "install-deps: need Node.js >= 20.11 on PATH for the JS tests (found: $(node --version 2>/dev/null || echo none))" >&2
	exit 1
fi
# npm packs the package and installs the bundler fixtures' locked dev
# dependencies (build/npm-ci.sh); the package, bundler and softphone tests
# need it. Node's own distribution ships it; Debian's comes apart.
command -v npm >/dev/null 2>&1 || { echo "install-deps: need npm on PATH (it comes with Node.js; Debian: apt-get install npm)" >&2; exit 1; }

# wasmbrowsertest, built from the version pinned in go.mod (a tool directive),
# so its chromedp matches Chromium 156 and `go test` finds it as go_js_wasm_exec.
mkdir -p bin
want=$(GOOS= GOARCH= go list -m -f '{{.Path}}@{{.Version}}' github.com/agnivade/wasmbrowsertest github.com/chromedp/chromedp github.com/chromedp/cdproto | tr '\n' ' ')
if [ ! -x bin/go_js_wasm_exec ] || [ "$(cat bin/.go_js_wasm_exec.version 2>/dev/null)" != "$want" ]; then
	echo "install-deps: building bin/go_js_wasm_exec ($want)"
	GOOS= GOARCH= go build -o bin/go_js_wasm_exec github.com/agnivade/wasmbrowsertest
	echo "$want" > bin/.go_js_wasm_exec.version
fi
echo "install-deps: ok ($(go version | cut -d' ' -f3), $(chromium --version 2>/dev/null | head -1), prosody $(dpkg-query -W -f='${Version}' prosody 2>/dev/null), ejabberd $(dpkg-query -W -f='${Version}' ejabberd 2>/dev/null), node $(node --version))"
