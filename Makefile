# finesse-ha — every entry point a developer or CI uses. `make test` is the
# whole suite and what .ci/run calls; `make demo` is the one-command demo.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
export PATH := $(CURDIR)/bin:/usr/local/go/bin:$(PATH)

# Every go test gets a timeout: a hang must fail, not wait forever. The
# timeout is per package, and internal/e2e alone ran 486 s on a shared
# 2-core machine (go test runs two packages at once there, Chromium and
# ejabberd among them), so 600 s left a fresh CI machine little room.
TEST_TIMEOUT ?= 1200s
WASM_TEST_TIMEOUT ?= 300s
FUZZTIME ?= 10s

DIST := dist
WASM := $(DIST)/finesse-ha.wasm
WASM_LDFLAGS := -s -w
# client.version is the npm package's version, stamped into the .wasm
# (build/npm.sh refuses a .wasm that reports another). Evaluated only by the
# rules that use it, so targets without the wasm build do not need node.
VERSION = $(shell node -p 'require("./web/package.json").version')
# Inlining is switched off (-l) only in packages off the notification decode
# path (the engine, the client wiring, the bridge and its JS glue, and
# encoding/json, fmt, net/url, time, context), and in reflect. That keeps the
# .wasm under SPEC §7's target (1.48 MB gzip, against 1.50 MB with inlining
# everywhere once diagnostics merged) while notify, finesse, encoding/xml and
# the runtime keep it: -gcflags=all=-l cost ~40% decode CPU time, reflect's
# alone showed no loss above the noise (BENCHMARKS.md, "Size"). The browser
# tests build with the same flags (internal/testkit/browserharness.WasmBuildFlags; a
# test keeps the two equal).
WASM_NOINLINE := github.com/finesse-ha/finesse-ha/internal/failover github.com/finesse-ha/finesse-ha/internal/client github.com/finesse-ha/finesse-ha/wasm/... encoding/json fmt net/url time context reflect
WASM_GCFLAGS := $(foreach p,$(WASM_NOINLINE),-gcflags=$(p)=-l)

.PHONY: demo-sso print-wasm-flags probes all deps test test-native test-wasm test-js test-bundlers check wasm size fuzz demo bench bench-full npm clean

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
	GOOS=js GOARCH=wasm $(GO) build -trimpath $(WASM_GCFLAGS) -ldflags='$(WASM_LDFLAGS) -X main.version=$(VERSION)' -o $@ ./wasm
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" $(DIST)/wasm_exec.js

## size: raw, gzip -9 and brotli sizes of the .wasm next to the floors (Go runtime only,
## encoding/xml only), checked against SPEC §7's target, then which packages weigh most
## (build/wasmsize; why a symbol is linked: go run ./build/wasmsize -why SYMBOL).
size: deps wasm probes
	@echo "wasm build flags: $(strip -trimpath $(WASM_GCFLAGS) -ldflags='$(WASM_LDFLAGS)')"
	@./build/size.sh $(WASM) web/index.js $(dir $(WASM))wasm_exec.js $(DIST)/probes/runtimeonly.wasm $(DIST)/probes/xmlonly.wasm
	@./build/size.sh -check $(WASM) 1500000 1100000
	@$(GO) run ./build/wasmsize -top 20

# print-wasm-flags: the go build flags of the browser build, for
# internal/testkit/browserharness's test that its own build uses the same.
print-wasm-flags:
	@echo "$(strip -trimpath $(WASM_GCFLAGS) -ldflags=$(WASM_LDFLAGS))"

# probes: the size probes of build/sizeprobe, for size and bench.
probes:
	@mkdir -p $(DIST)/probes
	@for p in runtimeonly xmlonly; do GOOS=js GOARCH=wasm $(GO) build -trimpath $(WASM_GCFLAGS) -ldflags='$(WASM_LDFLAGS)' -o $(DIST)/probes/$$p.wasm ./build/sizeprobe/$$p; done

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

## demo-sso: the same in the simulator's SSO mode: the page signs in with a token
## source (auth.getToken) and the timeline shows each refresh.
demo-sso: deps wasm
	@./build/demo.sh -sso

clean:
	rm -rf $(DIST)
