# finesse-ha — every entry point a developer or CI uses. `make test` is the
# whole suite and what .ci/run calls; `make demo` is the one-command demo.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
export PATH := $(CURDIR)/bin:/usr/local/go/bin:$(PATH)

# Every go test gets a timeout: a hang must fail, not wait ten minutes.
TEST_TIMEOUT ?= 600s
WASM_TEST_TIMEOUT ?= 300s
FUZZTIME ?= 10s

DIST := dist
WASM := $(DIST)/finesse-ha.wasm
WASM_LDFLAGS := -s -w
# client.version is the npm package's version, stamped into the .wasm
# (build/npm.sh refuses a .wasm that reports another). Evaluated only by the
# rules that use it, so targets without the wasm build do not need node.
VERSION = $(shell node -p 'require("./web/package.json").version')

.PHONY: probes all deps test test-native test-wasm test-js test-bundlers check wasm size fuzz demo bench bench-full npm clean

all: test

deps:
	@./build/install-deps.sh

## test: the whole suite — static checks, the wasm build (so the end-to-end tests see a fresh one),
## native tests (incl. Prosody and chromedp end-to-end), wasm tests in headless Chromium, JS tests.
test: deps check wasm test-native test-wasm test-js

check:
	@out=$$(gofmt -l .); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./wasm/...

test-native:
	$(GO) test -timeout $(TEST_TIMEOUT) ./...

test-wasm:
	$(GO) run ./build/wasmtest -timeout $(WASM_TEST_TIMEOUT) ./wasm/...

# The npm wrapper and the gadget/CRM adapters, with node's built-in runner. The one npm
# dependency is web/'s devDependency typescript (tsc --strict over index.d.ts, in
# web/test/types.test.mjs), installed from the npm registry into web/node_modules.
TSC := web/node_modules/typescript/bin/tsc

$(TSC): web/package.json
	cd web && npm install --no-audit --no-fund --no-package-lock
	@touch $@

test-js: $(TSC)
	cd web && node --test test/*.test.mjs
	cd gadget && node --test test/*.test.mjs

## test-bundlers: the npm package tests alone (also part of test-native): npm pack contents, publint,
## types under tsc --strict, the READMEs' TypeScript, the classic script and the Vite, esbuild and
## webpack 5 builds connecting in Chromium. npm dev dependencies install from the npm registry by
## lockfile into .cache/npm (build/npm-ci.sh).
test-bundlers:
	$(GO) test -timeout $(TEST_TIMEOUT) -count=1 -run 'TestPackage|TestClassicScript|TestBundler|TestReadme' ./internal/e2e

## wasm: the browser build, with wasm_exec.js from the same toolchain (never committed).
wasm: $(WASM)

$(WASM): $(shell find wasm internal -name '*.go' -not -name '*_test.go') go.mod go.sum web/package.json
	@mkdir -p $(DIST)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='$(WASM_LDFLAGS) -X main.version=$(VERSION)' -o $@ ./wasm
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" $(DIST)/wasm_exec.js

## size: raw, gzip -9 and brotli sizes of the .wasm, then which packages weigh most and why
## crypto/tls is linked (build/wasmsize; any symbol: go run ./build/wasmsize -why SYMBOL).
size: deps wasm probes
	@./build/size.sh $(WASM) web/index.js $(dir $(WASM))wasm_exec.js $(DIST)/probes/xmlonly.wasm $(DIST)/probes/nethttptypes.wasm
	@$(GO) run ./build/wasmsize -top 20 -why 'crypto/tls.(*Conn).clientHandshake'

# probes: the size probes of build/sizeprobe, for size and bench.
probes:
	@mkdir -p $(DIST)/probes
	@for p in xmlonly nethttptypes; do GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='$(WASM_LDFLAGS)' -o $(DIST)/probes/$$p.wasm ./build/sizeprobe/$$p; done

## fuzz: every fuzz target for a short, fixed time.
fuzz:
	@./build/fuzz.sh $(FUZZTIME)

## npm: the packable npm folder in dist/npm (build/npm.sh; layout in build/npm/README.md),
## and what `npm pack` would ship.
npm: wasm
	./build/npm.sh $(DIST)/npm $(DIST)
	cd $(DIST)/npm && npm pack --dry-run

## bench: failover latency and size, written to BENCHMARKS.md (about 5 min); bench-full: more runs.
bench: deps wasm probes
	$(GO) run ./cmd/finesse-bench -runs 5 -blackhole-runs 2 -wasm $(WASM)

bench-full: deps wasm probes
	$(GO) run ./cmd/finesse-bench -full -wasm $(WASM)

## demo: the simulator with the demo page.
demo: deps wasm
	@./build/demo.sh

clean:
	rm -rf $(DIST)
