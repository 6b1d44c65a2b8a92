// Package e2e holds the native end-to-end tests: headless Chromium, driven
// by chromedp, loads the real demo page, npm wrapper (web/index.js) and
// Go-built finesse-ha.wasm from the in-process simulator (internal/sim), and
// clicks the simulator's fault buttons like a person would.
//
// The package has no API; it exists for its tests. The browser, simulators
// and tabs come from internal/testkit/browserharness, shared with the browser
// benchmarks. They need /usr/bin/chromium (Debian package chromium):
// without it they skip, or fail when CI=true so a CI image that lost the
// browser cannot go green.
// Screenshots go to $FINESSE_HA_ARTIFACTS (a per-test temp dir if unset).
package e2e
