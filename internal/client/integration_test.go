package client

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/internal/failover"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim"
)

const simAgent = "1001001"

// recorder keeps every event and wakes waiters on each one.
type recorder struct {
	mu     sync.Mutex
	events []Event
	wake   chan struct{}
}

func newRecorder() *recorder { return &recorder{wake: make(chan struct{}, 1)} }

func (r *recorder) on(ev Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *recorder) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// waitFor waits until some event satisfies ok, failing the test after d.
func (r *recorder) waitFor(t *testing.T, d time.Duration, what string, ok func(Event) bool) Event {
	t.Helper()
	deadline := time.After(d)
	seen := 0
	for {
		evs := r.all()
		for _, ev := range evs[seen:] {
			if ok(ev) {
				return ev
			}
		}
		seen = len(evs)
		select {
		case <-r.wake:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; events: %s", what, describe(evs))
			return nil
		}
	}
}

func describe(evs []Event) string {
	var b strings.Builder
	for _, ev := range evs {
		j, _ := json.Marshal(ev)
		if len(j) > 160 {
			j = append(j[:160], "..."...)
		}
		b.WriteString("\n  " + string(ev.Kind()) + " " + string(j))
	}
	return b.String()
}

func connectedOn(side SideName) func(Event) bool {
	return func(ev Event) bool {
		c, ok := ev.(ConnectionEvent)
		return ok && c.State == StateConnected && c.Side == side
	}
}

// TestFailoverAgainstSimulator runs the real stack (finesse REST, BOSH,
// notify, failover) natively against the in-process duplex simulator: a
// call offered on A survives A's death and is reported once.
func TestFailoverAgainstSimulator(t *testing.T) {
	pair := startSim(t, sim.Config{Password: testPassword})

	cfg, err := ParseOptions(mustJSON(t, map[string]any{
		"sides":         []any{pair.A().URL(), map[string]any{"rest": pair.B().URL(), "bosh": pair.B().BOSHURL()}},
		"agent":         map[string]any{"id": simAgent, "extension": simAgent},
		"auth":          map[string]any{"username": simAgent, "password": testPassword},
		"transport":     "bosh",
		"allowInsecure": true,
	}))
	require.NoError(t, err)
	// The derived BOSH URL is Finesse's port; the simulator serves BOSH
	// on the REST port.
	cfg.Sides[0].BOSH = pair.A().BOSHURL()
	// Fast recovery for the test; the page's floor (1 s) does not apply to Go callers.
	cfg.Policy = failover.Policy{
		PollInterval: 100 * time.Millisecond, Jitter: -1, HealthTimeout: time.Second,
		TransportBackoff: 50 * time.Millisecond, DialTimeout: 5 * time.Second,
	}

	rec := newRecorder()
	c, err := New(cfg, simDoer(), clock.Real(), rec.on)
	require.NoError(t, err)
	c.Start()
	t.Cleanup(func() {
		_ = c.Close()
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Error("client did not stop within 5 s of Close")
		}
	})
	rec.waitFor(t, 10*time.Second, "connected on A", connectedOn("A"))

	// A live agent event, then a call, both seen through side A.
	require.NoError(t, pair.SignIn(simAgent, true))
	rec.waitFor(t, 5*time.Second, "agent READY", func(ev Event) bool {
		a, ok := ev.(AgentEvent)
		return ok && a.State == "READY" && !a.Synthetic
	})
	dialogID, err := pair.OfferCall(simAgent)
	require.NoError(t, err)
	added := rec.waitFor(t, 5*time.Second, "dialog added", func(ev Event) bool {
		d, ok := ev.(DialogEvent)
		return ok && d.Action == DialogAdded && d.Dialog.ID == dialogID
	}).(DialogEvent)
	callKey := added.Dialog.CallKey
	require.NotEmpty(t, callKey)

	// A dies: the client must end up connected on B with the call.
	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultKill, Side: "A"}))
	rec.waitFor(t, 15*time.Second, "connected on B", connectedOn("B"))

	snap := c.Snapshot()
	assert.Equal(t, StateConnected, snap.Connection.State)
	assert.Equal(t, SideB, snap.Connection.Side)
	require.NotNil(t, snap.Agent)
	want, err := pair.User(simAgent)
	require.NoError(t, err)
	assert.EqualValues(t, want.State, snap.Agent.State, "re-synced agent state matches the server's")
	var keys []string
	for _, d := range snap.Dialogs {
		keys = append(keys, d.CallKey)
	}
	assert.Contains(t, keys, callKey, "the call offered before the kill is still present")

	addedCount := 0
	for _, ev := range rec.all() {
		if d, ok := ev.(DialogEvent); ok && d.Action == DialogAdded && d.Dialog.CallKey == callKey {
			addedCount++
		}
	}
	assert.Equal(t, 1, addedCount, "a call gets exactly one added across the failover")

	// A request goes through B now; a non-2xx answer resolves, not fails.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.Request(ctx, "GET", "/finesse/api/User/"+simAgent, nil)
	require.NoError(t, err)
	assert.Equal(t, 200, res.Status)
	assert.Equal(t, SideB, res.Side)
	assert.Contains(t, res.Body, "<User>")
	assert.Contains(t, res.Headers["Content-Type"], "xml", "the response's own headers reach the page")
	// Recheck reaches the engine: the connected client checks B at once.
	for _, h := range c.History() {
		require.NotEqual(t, "recheck", h.What, "no recheck before it is asked for")
	}
	c.Recheck()
	require.Eventually(t, func() bool {
		for _, h := range c.History() {
			if h.What == "recheck" && h.Side == "B" {
				return true
			}
		}
		return false
	}, 5*time.Second, 10*time.Millisecond)

	res, err = c.Request(ctx, "GET", "/finesse/api/User/9999999", nil)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, res.Status, 400)
	assert.Contains(t, res.Body, "ApiError", "the whole error body, not an excerpt")
	assert.NotEmpty(t, res.Error)
	assert.NotEmpty(t, res.Headers)
	for name := range res.Headers {
		assert.NotContains(t, []string{"Set-Cookie", "Authorization"}, name)
	}
	// The simulator, like Finesse, answers 401 for another user's record:
	// the engine re-checks the agent's own User and keeps the session.
	require.Eventually(t, func() bool {
		for _, h := range c.History() {
			if h.What == "request-401" {
				return true
			}
		}
		return false
	}, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, StateConnected, c.Snapshot().Connection.State)

	hist, err := json.Marshal(c.History())
	require.NoError(t, err)
	assert.NotContains(t, string(hist), testPassword)
	for _, ev := range rec.all() {
		j, err := json.Marshal(ev)
		require.NoError(t, err)
		assert.NotContains(t, string(j), testPassword)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// TestWrongPasswordWaitsForSetAuth: refused credentials end in the
// unauthorized state (never sent again to a side that refused them: Finesse
// locks accounts), SetAuth with the right password resumes, and neither
// password appears in any event or history entry.
func TestWrongPasswordWaitsForSetAuth(t *testing.T) {
	pair := startSim(t, sim.Config{Password: testPassword})

	const wrong = "wrong-Pa55word"
	cfg := Config{
		Sides:         boshSides(pair),
		AgentID:       simAgent,
		Auth:          finesse.Auth{Username: simAgent, Password: wrong},
		AllowInsecure: true,
		Policy:        failover.Policy{PollInterval: 100 * time.Millisecond, Jitter: -1, TransportBackoff: 50 * time.Millisecond},
	}
	rec := newRecorder()
	c, err := New(cfg, simDoer(), clock.Real(), rec.on)
	require.NoError(t, err)
	c.Start()
	t.Cleanup(func() { _ = c.Close(); <-c.Done() })

	rec.waitFor(t, 10*time.Second, "unauthorized", func(ev Event) bool {
		ce, ok := ev.(ConnectionEvent)
		return ok && ce.State == StateUnauthorized
	})
	var oe *OptionError
	require.ErrorAs(t, c.SetAuth(finesse.Auth{Username: simAgent}), &oe)
	assert.Equal(t, "auth.password", oe.Field)
	require.NoError(t, c.SetAuth(finesse.Auth{Username: simAgent, Password: testPassword}))
	rec.waitFor(t, 10*time.Second, "connected after setAuth", func(ev Event) bool {
		ce, ok := ev.(ConnectionEvent)
		return ok && ce.State == StateConnected
	})
	for _, ev := range rec.all() {
		j, err := json.Marshal(ev)
		require.NoError(t, err)
		assert.NotContains(t, string(j), wrong)
		assert.NotContains(t, string(j), testPassword)
	}
	hist, err := json.Marshal(c.History())
	require.NoError(t, err)
	assert.NotContains(t, string(hist), wrong)
	assert.NotContains(t, string(hist), testPassword)
}

// TestWireGoldenRestore records, from the real stack against the simulator,
// how the Go client restores call variables a side lost in a failover
// (side B serves the call with every variable emptied). The gadget's
// desktop follower, which restores the same way from finesse.js's objects,
// is tested against this file (gadget/test/desktop-follower.test.mjs).
func TestWireGoldenRestore(t *testing.T) {
	pair := startSim(t, sim.Config{Password: testPassword})
	cfg := Config{
		Sides:         boshSides(pair),
		AgentID:       simAgent,
		Auth:          finesse.Auth{Username: simAgent, Password: testPassword},
		AllowInsecure: true,
		Policy:        failover.Policy{PollInterval: 100 * time.Millisecond, Jitter: -1, HealthTimeout: time.Second, TransportBackoff: 50 * time.Millisecond},
	}
	rec := newRecorder()
	c, err := New(cfg, simDoer(), clock.Real(), rec.on)
	require.NoError(t, err)
	c.Start()
	t.Cleanup(func() { _ = c.Close(); <-c.Done() })
	rec.waitFor(t, 10*time.Second, "connected on A", connectedOn(SideA))
	require.NoError(t, pair.SignIn(simAgent, true))
	dialogID, err := pair.OfferCall(simAgent)
	require.NoError(t, err)
	before := rec.waitFor(t, 5*time.Second, "dialog added", func(ev Event) bool {
		d, ok := ev.(DialogEvent)
		return ok && d.Action == DialogAdded && d.Dialog.ID == dialogID
	}).(DialogEvent).Dialog

	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultNullCallVariables, Side: "B"}))
	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultKill, Side: "A"}))
	after := rec.waitFor(t, 15*time.Second, "the call restored on B", func(ev Event) bool {
		d, ok := ev.(DialogEvent)
		return ok && d.Side == SideB && d.Dialog.CallKey == before.CallKey && d.Dialog.Restored
	}).(DialogEvent).Dialog

	served := map[string]string{}
	for name := range before.CallVariables {
		served[name] = "" // what side B serves: the names, no values
	}
	slices.Sort(after.RestoredFields)
	type callData struct {
		CallVariables  map[string]string `json:"callVariables"`
		Restored       bool              `json:"restored"`
		RestoredFields []string          `json:"restoredFields"`
	}
	checkGolden(t, "restore.json", struct {
		Before callData `json:"before"`
		Served callData `json:"served"`
		After  callData `json:"after"`
	}{
		Before: callData{before.CallVariables, before.Restored, before.RestoredFields},
		Served: callData{served, false, []string{}},
		After:  callData{after.CallVariables, after.Restored, after.RestoredFields},
	})
	assert.Equal(t, before.CallVariables, after.CallVariables, "every variable restored")
}
