//go:generate go run ../../build/dtsgen -dir . -dts ../../web/index.d.ts

// Package client wires the finished layers into one finesse-ha client, and
// owns the JSON contract with the page.
//
// ParseOptions decodes the page's options (Options, wire_options.go) and New
// validates them once, builds one finesse.Client per side and one
// notification dialer (BOSH, or WebSocket with a per-side fallback to BOSH)
// and runs a failover.Engine over them. What the page receives (events,
// snapshot, history, request results) are the wire types of wire_events.go,
// translated from the engine's in wire_translate.go; web/index.d.ts's
// generated section is produced from these files by go generate, and the
// golden JSON in testdata/wire feeds the JS tests.
//
// The wasm bridge (wasm/) is a thin JS adapter around this package, so
// everything here is tested natively against the in-process simulator.
// Decisions: docs/decisions/0001-0004.
package client
