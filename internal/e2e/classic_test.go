package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// pageStatus is what window.pkgTest.status() returns on every package test
// page (testdata/classic.html, web/test/bundlers/*/): the client's
// connection and the version the .wasm reports.
type pageStatus struct {
	State   string `json:"state"`
	Side    string `json:"side"`
	Version string `json:"version"`
	Runtime string `json:"runtime"`
}

// connectPackagePage opens url, starts a client against pair through the
// page's window.pkgTest and waits until it is connected. The bounds are
// generous for a loaded machine: loading and compiling the .wasm dominates.
func connectPackagePage(t *testing.T, ctx context.Context, pair *sim.Pair, url string) pageStatus {
	t.Helper()
	require.NoError(t, pair.SignIn(scenarioAgent, true))
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(url),
		chromedp.Poll(`!!window.pkgTest`, nil, chromedp.WithPollingTimeout(20*time.Second)),
	))
	var startErr string
	require.NoError(t, evalJS(ctx, `window.pkgTest.start(`+simClientOptions(t, pair)+`)`, &startErr))
	require.Empty(t, startErr, "createClient rejected")
	deadline := time.Now().Add(45 * time.Second)
	var last *pageStatus
	for {
		var s *pageStatus
		require.NoError(t, evalJS(ctx, `window.pkgTest.status()`, &s))
		if s != nil {
			last = s
			if s.State == "connected" {
				return *s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("client not connected within 45s; last status %+v", last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestClassicScriptConnects: a page with no module script loads the
// package's classic-script build with <script src>, gets the global
// finesseHA, and its client connects to the simulator with the .wasm found
// next to the script, reporting package.json's version.
func TestClassicScriptConnects(t *testing.T) {
	p := npmPackage(t)
	f := env(t)
	pair := f.newPair(t, sim.Config{})
	ctx := f.tab(t, 90*time.Second)

	status := connectPackagePage(t, ctx, pair, pair.ControlURL()+"/e2e/classic.html")
	assert.Contains(t, []string{"A", "B"}, status.Side)
	assert.Equal(t, p.version, status.Version, "client.version is package.json's version")

	var page struct {
		ModuleScripts int    `json:"moduleScripts"`
		CreateClient  string `json:"createClient"`
	}
	require.NoError(t, evalJS(ctx, `({
		moduleScripts: document.querySelectorAll('script[type=module]').length,
		createClient: window.pkgTest.imported.createClient,
	})`, &page))
	assert.Zero(t, page.ModuleScripts, "the page must not use modules")
	assert.Equal(t, "function", page.CreateClient)
	// Asked of the server: in a worker runtime the worker fetches the .wasm.
	assert.Contains(t, pair.StaticServed(), "/npm/finesse-ha.wasm", "finesse-ha.wasm is loaded from next to the script (runtime %q)", status.Runtime)
	// The module worker.js next to the script runs the client even for a
	// page without modules: one connection per agent here too.
	assert.Equal(t, "shared-worker", status.Runtime)
}
