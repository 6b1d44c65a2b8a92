// Package testkit holds nothing itself; its subpackages are the tooling that
// tests and benchmarks share, kept apart from the product so that the layout
// says which is which:
//
//   - browserharness: headless Chromium (throttled or not), the simulator and
//     the built package's static files, for internal/e2e and browserbench;
//   - browserbench: the headless-Chromium half of `make bench`;
//   - benchscenario: the scenario list that cmd/finesse-bench and
//     browserbench share;
//   - xmpptest: real Prosody and ejabberd servers started for a test;
//   - modroot: the module's root directory, for tools started anywhere in it.
//
// The product (wasm/, internal/client and every package it imports) never
// imports a package below testkit, internal/sim or internal/e2e;
// TestProductImportsNoTooling keeps it so.
package testkit
