//go:build js && wasm

package main

import (
	"testing"

	"github.com/finesse-ha/finesse-ha/wasm/jsutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWebSocketFailoverThroughBridge is S1 over the browser's WebSocket:
// the page asks for transport "websocket", the client connects to side A
// over /ws/ (the connected event says so), and A's death moves it to B,
// over WebSocket again. It runs after the BOSH failover test on the same
// simulator; A was restored by that test's cleanup.
func TestWebSocketFailoverThroughBridge(t *testing.T) {
	a, b, ctl, password := simEnv(t)
	const agent = "1001001"
	opts := simOptions(a, b, agent, password)
	opts["transport"] = "websocket"
	opts["fallback"] = false // a WebSocket failure must show, not hide behind BOSH
	opts["policy"] = map[string]any{"pollIntervalMs": 1000, "jitterMs": 0}
	ev := newEvents(t)
	p, err := factory(t).Call("createClient", options(t, opts), ev.fn)
	require.NoError(t, err)
	h, err := jsutil.Await(p)
	require.NoError(t, err)
	t.Cleanup(func() {
		if cp, err := h.Call("close"); err == nil {
			_, _ = jsutil.Await(cp)
		}
		control(t, ctl, "/control/fault", `{"fault":"restore","side":"A"}`)
	})

	onA := ev.waitFor(t, "connection", `"state":"connected","side":"A"`)
	assert.Contains(t, onA, `"transport":"websocket"`)
	control(t, ctl, "/control/fault", `{"fault":"kill","side":"A"}`)
	onB := ev.waitFor(t, "connection", `"state":"connected","side":"B"`)
	assert.Contains(t, onB, `"transport":"websocket"`)
}
