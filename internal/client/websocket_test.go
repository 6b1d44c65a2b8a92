package client

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/internal/failover"
	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/ws/native"
)

// startWS starts a simulator pair and a client on it with the WebSocket
// transport; edit may change the parsed Config before New.
func startWS(t *testing.T, edit func(*Config, *sim.Pair)) (*sim.Pair, *Client, *recorder) {
	t.Helper()
	pair := startSim(t, sim.Config{Password: testPassword})

	cfg, err := ParseOptions(mustJSON(t, map[string]any{
		"sides":         []any{pair.A().URL(), pair.B().URL()},
		"agent":         map[string]any{"id": simAgent, "extension": simAgent},
		"auth":          map[string]any{"username": simAgent, "password": testPassword},
		"transport":     "websocket",
		"allowInsecure": true,
	}))
	require.NoError(t, err)
	// The simulator serves /ws/ on the REST port, where Finesse does too, so
	// the derived WebSocket URLs are right; BOSH is on the REST port as well.
	cfg.Sides[0].BOSH, cfg.Sides[1].BOSH = pair.A().BOSHURL(), pair.B().BOSHURL()
	cfg.Policy = failover.Policy{
		PollInterval: 100 * time.Millisecond, Jitter: -1, HealthTimeout: time.Second,
		TransportBackoff: 50 * time.Millisecond, DialTimeout: 5 * time.Second,
	}
	if edit != nil {
		edit(&cfg, pair)
	}
	rec := newRecorder()
	c, err := New(cfg, simDoer(), clock.Real(), rec.on, WithWebSocket(native.Dial))
	require.NoError(t, err)
	c.Start()
	t.Cleanup(func() { _ = c.Close(); <-c.Done() })
	return pair, c, rec
}

// TestFailoverOverWebSocket is S1 with the WebSocket transport: the call
// offered on A survives A's death, once, with the session on B over
// WebSocket too.
func TestFailoverOverWebSocket(t *testing.T) {
	pair, c, rec := startWS(t, nil)
	conn := rec.waitFor(t, 10*time.Second, "connected on A", connectedOn("A")).(ConnectionEvent)
	assert.Equal(t, TransportWebSocket, conn.Transport)
	assert.EqualValues(t, 1, pair.A().Metrics().WS, "side A was reached over WebSocket")
	assert.Zero(t, pair.A().Metrics().BOSH, "and not over BOSH")

	require.NoError(t, pair.SignIn(simAgent, true))
	dialogID, err := pair.OfferCall(simAgent)
	require.NoError(t, err)
	added := rec.waitFor(t, 5*time.Second, "dialog added", func(ev Event) bool {
		d, ok := ev.(DialogEvent)
		return ok && d.Action == DialogAdded && d.Dialog.ID == dialogID
	}).(DialogEvent)

	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultKill, Side: "A"}))
	conn = rec.waitFor(t, 15*time.Second, "connected on B", connectedOn("B")).(ConnectionEvent)
	assert.Equal(t, TransportWebSocket, conn.Transport)

	var keys []string
	for _, d := range c.Snapshot().Dialogs {
		keys = append(keys, d.CallKey)
	}
	assert.Contains(t, keys, added.Dialog.CallKey, "the call survived the failover")
	n := 0
	for _, ev := range rec.all() {
		if d, ok := ev.(DialogEvent); ok && d.Action == DialogAdded && d.Dialog.CallKey == added.Dialog.CallKey {
			n++
		}
	}
	assert.Equal(t, 1, n, "added exactly once")
}

// TestScenariosOverWebSocket reruns S2-S4 of SPEC §5 with the WebSocket
// transport (S1 is TestFailoverOverWebSocket): each fault on A ends with
// the client connected on B over WebSocket, for the reason the fault gives.
func TestScenariosOverWebSocket(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  sim.FaultName
		reason Reason
	}{
		{"S2 notification service down", sim.FaultNotificationDown, ReasonNotificationLost},
		{"S3 finesse presence unavailable", sim.FaultPresenceUnavailable, ReasonPresenceUnavailable},
		{"S4 out of service", sim.FaultOutOfService, ReasonOutOfService},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pair, _, rec := startWS(t, nil)
			rec.waitFor(t, 10*time.Second, "connected on A", connectedOn("A"))
			before := len(rec.all())
			require.NoError(t, pair.Apply(sim.Fault{Name: tc.fault, Side: "A"}))
			conn := rec.waitFor(t, 15*time.Second, "connected on B", connectedOn("B")).(ConnectionEvent)
			assert.Equal(t, TransportWebSocket, conn.Transport)
			var trigger Reason
			for _, ev := range rec.all()[before:] {
				if c, ok := ev.(ConnectionEvent); ok && c.State != StateConnected && c.Side == "A" && trigger == "" {
					trigger = c.Reason
				}
			}
			assert.Equal(t, tc.reason, trigger, "the recovery names the fault's trigger")
		})
	}
}

// TestWebSocketFallsBackToBOSH: a side whose WebSocket cannot be opened
// (an older Finesse without /ws/) is reached over BOSH, and the connected
// event says so; with the fallback off the client never connects there.
func TestWebSocketFallsBackToBOSH(t *testing.T) {
	closed := closedWSURL(t)
	_, _, rec := startWS(t, func(cfg *Config, _ *sim.Pair) { cfg.Sides[0].WebSocket = closed })
	conn := rec.waitFor(t, 10*time.Second, "connected on A", connectedOn("A")).(ConnectionEvent)
	assert.Equal(t, TransportBOSH, conn.Transport)

	_, _, rec = startWS(t, func(cfg *Config, _ *sim.Pair) {
		cfg.Sides[0].WebSocket = closed
		cfg.NoFallback = true
	})
	conn = rec.waitFor(t, 10*time.Second, "connected on B", func(ev Event) bool {
		c, ok := ev.(ConnectionEvent)
		return ok && c.State == StateConnected
	}).(ConnectionEvent)
	assert.Equal(t, SideB, conn.Side, "without the fallback, side A's dead WebSocket makes the client use B")
	assert.Equal(t, TransportWebSocket, conn.Transport)
}

// closedWSURL is a ws:// URL on a loopback port nothing listens on.
func closedWSURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "ws://" + addr + "/ws/"
}
