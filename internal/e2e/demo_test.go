package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/testkit/browserharness"
)

// connection is the part of client.snapshot() these tests read.
type connection struct {
	State  string `json:"state"`
	Side   string `json:"side"`
	Reason string `json:"reason"`
}

const snapshotJS = `(() => {
	const d = window.finesseHADemo;
	if (!d || !d.client) return null;
	return d.client.snapshot().connection;
})()`

// evalJS evaluates expr in the page, awaiting a returned promise.
func evalJS(ctx context.Context, expr string, out any) error {
	return browserharness.Eval(ctx, expr, out)
}

// waitConnected polls the client until it is connected (on side, if not
// empty) and returns the last connection seen, so a timeout says where the
// client was stuck.
func waitConnected(t *testing.T, ctx context.Context, side string, within time.Duration) connection {
	t.Helper()
	deadline := time.Now().Add(within)
	var last *connection
	for {
		var c *connection
		require.NoError(t, evalJS(ctx, snapshotJS, &c))
		if c != nil {
			last = c
			if c.State == "connected" && (side == "" || c.Side == side) {
				return *c
			}
		}
		if time.Now().After(deadline) {
			var errText string
			_ = evalJS(ctx, `document.getElementById('demo-error').textContent`, &errText)
			t.Fatalf("client not connected (side %q) within %v; last connection %+v; page error %q", side, within, last, errText)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestDemoPageFailsOverOnFaultButton(t *testing.T) {
	f := env(t)
	pair := f.newPair(t, sim.Config{})
	ctx := f.tab(t, 90*time.Second)

	require.NoError(t, chromedp.Run(ctx, chromedp.Navigate(pair.ControlURL()+"/demo/?autoconnect=1")))
	// Loading and compiling the wasm dominates; the bound is generous for a
	// loaded machine, not a performance target.
	first := waitConnected(t, ctx, "", 45*time.Second)
	require.Contains(t, []string{"A", "B"}, first.Side)
	other := map[string]string{"A": "B", "B": "A"}[first.Side]
	t.Logf("connected on side %s", first.Side)

	// The sides table fills from /control/state; wait for its kill button.
	killSel := `#sides button[data-fault="kill"][data-side="` + first.Side + `"]`
	require.NoError(t, chromedp.Run(ctx, chromedp.WaitVisible(killSel, chromedp.ByQuery)))

	artifacts := artifactDir(t)
	screenshot(t, ctx, filepath.Join(artifacts, "demo-connected-"+first.Side+".png"))

	var timelineBefore int
	require.NoError(t, evalJS(ctx, `document.querySelectorAll('#timeline li').length`, &timelineBefore))

	require.NoError(t, chromedp.Run(ctx, chromedp.Click(killSel, chromedp.ByQuery)))

	end := waitConnected(t, ctx, other, 45*time.Second)
	screenshot(t, ctx, filepath.Join(artifacts, "demo-failed-over-"+other+".png"))
	assert.Equal(t, "connected", end.State)

	// The simulator really has the side down: the button, not the test,
	// broke it.
	st := pair.State()
	for _, s := range st.Sides {
		if s.Name == first.Side {
			assert.False(t, s.Alive, "side %s still alive after the kill button", first.Side)
		}
	}

	// The page listened to connection events: its log holds the move to the
	// other side, and the rendered state and timeline follow it.
	var seen []connection
	require.NoError(t, evalJS(ctx, `window.finesseHADemo.events.filter((e) => e.type === 'connection').map((e) => e.event)`, &seen))
	assert.True(t, connectedOn(seen, other), "no connected event on side %s: %+v", other, seen)
	assert.NotContains(t, stateList(seen), "unauthorized")

	var rendered struct {
		State, Side string
		Timeline    int
	}
	require.NoError(t, evalJS(ctx, `({
		State: document.getElementById('connection-state').dataset.state,
		Side: document.getElementById('connection-side').dataset.side,
		Timeline: document.querySelectorAll('#timeline li').length,
	})`, &rendered))
	assert.Equal(t, "connected", rendered.State)
	assert.Equal(t, other, rendered.Side)
	assert.Greater(t, rendered.Timeline, timelineBefore, "the failover added nothing to the timeline")

	// The page reports its own failures in #demo-error (a render that
	// throws, a failed request): after a failover there must be none.
	var pageErr string
	require.NoError(t, evalJS(ctx, `document.getElementById('demo-error').textContent`, &pageErr))
	assert.Empty(t, pageErr, "the demo page shows an error")

	if t.Failed() {
		raw, _ := json.Marshal(seen)
		t.Logf("connection events: %s", raw)
	}
}

// screenshot saves the whole page as PNG at path.
func screenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	var shot []byte
	require.NoError(t, chromedp.Run(ctx, chromedp.FullScreenshot(&shot, 100)))
	require.NoError(t, os.WriteFile(path, shot, 0o644))
	t.Logf("screenshot: %s", path)
}

// connectedOn reports whether events hold a connected event on side.
func connectedOn(events []connection, side string) bool {
	for _, e := range events {
		if e.State == "connected" && e.Side == side {
			return true
		}
	}
	return false
}

func stateList(events []connection) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.State
	}
	return out
}
