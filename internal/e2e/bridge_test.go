package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim"
)

type bridgeStats struct {
	Accepted         int `json:"accepted"`
	IgnoredOrigin    int `json:"ignoredOrigin"`
	IgnoredMalformed int `json:"ignoredMalformed"`
}

// TestPostMessageBridgeIgnoresForeignOrigin checks gadget/postmessage-bridge.js
// in a real browser, where MessageEvent.origin is set by the browser and
// cannot be forged: the host page (127.0.0.1) is on the allowlist, a frame
// from localhost on the same port is not.
func TestPostMessageBridgeIgnoresForeignOrigin(t *testing.T) {
	f := env(t)
	pair := f.newPair(t, sim.Config{})
	ctx := f.tab(t, 60*time.Second)

	base, err := url.Parse(pair.ControlURL())
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", base.Hostname(), "the test relies on localhost being another origin")
	foreign := "http://localhost:" + base.Port()

	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(pair.ControlURL()+"/e2e/bridge-host.html"),
		chromedp.Poll(`!!window.e2eHost`, nil, chromedp.WithPollingTimeout(20*time.Second)),
	))

	var snap struct {
		Connection struct{ State, Side string }
	}
	require.NoError(t, evalJS(ctx, `window.e2eHost.snapshot()`, &snap))
	assert.Equal(t, "connected", snap.Connection.State, "the allowed origin got no snapshot")

	require.NoError(t, evalJS(ctx, `window.e2eHost.loadForeign(`+jsString(foreign)+`)`, nil))

	// The foreign frame runs in its own process (another site): wait for
	// its two messages to be counted rather than assuming an order.
	var st bridgeStats
	deadline := time.Now().Add(10 * time.Second)
	for {
		require.NoError(t, evalJS(ctx, `window.e2eHost.stats()`, &st))
		if st.IgnoredOrigin >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	assert.Equal(t, bridgeStats{Accepted: 1, IgnoredOrigin: 2}, st)

	var calls []string
	require.NoError(t, evalJS(ctx, `window.e2eHost.calls()`, &calls))
	assert.Equal(t, []string{"snapshot"}, calls, "the foreign origin reached the client")
}

// jsString quotes s for a JS expression (the values here are URLs we built).
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
