// Package browserbench measures the client where it runs: headless
// Chromium loading the real finesse-ha.wasm through the real JS API
// (web/index.js createClient), against a fresh in-process simulator per
// run, over loopback. cmd/finesse-bench calls Run and writes
// Report.Markdown into BENCHMARKS.md.
//
// Figures: failover latency per SPEC §5 scenario (fault -> `connected` on
// the other side), createClient -> connected (and its split into wasm
// instantiation and connecting), JS heap and wasm memory around a flood of
// notifications (with the delivery rate, and what an unpaced burst does),
// and the CPU an idle connected page burns (SPEC §7: timers only, no busy
// loop). The browser, simulators and tabs come from internal/testkit/browserharness,
// which the end-to-end tests (internal/e2e) share.
package browserbench
