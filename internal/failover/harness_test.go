package failover

import (
	"encoding/json"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/notify"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const testPassword = "s3cret-Pa55word"

// harness is an engine wired to two fake sides on a virtual clock.
type harness struct {
	t       testing.TB
	clk     *clock.Virtual
	agentID string

	mu    sync.Mutex // fake sides, CTI state, recorded events
	user  finesse.User
	calls []*fakeCall
	sides []*fakeSide
	A, B  *fakeSide

	events  []Event
	onEvent func(Event) // extra per-test check, called with mu held

	wmu     sync.Mutex
	waiters map[*waiter]struct{}

	e *Engine
}

type harnessOpt func(*Config)

func withPolicy(f func(*Policy)) harnessOpt { return func(c *Config) { f(&c.Policy) } }

func startOn(side int) harnessOpt { return func(c *Config) { c.StartSide = side } }

func newHarness(t testing.TB, seed uint64, opts ...harnessOpt) *harness {
	t.Helper()
	h := &harness{
		t:       t,
		clk:     clock.NewVirtual(t0),
		agentID: "1001001",
		waiters: map[*waiter]struct{}{},
	}
	h.user = finesse.User{
		URI: "/finesse/api/User/1001001", LoginID: "1001001", Extension: "1001001",
		State: finesse.StateNotReady, ReasonCodeID: "16",
		ReasonCode: &finesse.ReasonCode{Code: "10", Label: "Team Meeting", ID: "16"},
	}
	h.A = newFakeSide(h, "A", "fin-a")
	h.B = newFakeSide(h, "B", "fin-b")
	h.sides = []*fakeSide{h.A, h.B}
	cfg := Config{
		AgentID:   h.agentID,
		Extension: "1001001",
		Clock:     h.clk,
		Rand:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		OnEvent:   h.record,
		Auth:      finesse.Auth{Username: h.agentID, Password: testPassword},
	}
	for _, f := range h.sides {
		cfg.Sides = append(cfg.Sides, Side{
			Host: f.host, REST: f, Dialer: f,
			Endpoint: notify.Endpoint{BOSHURL: "https://" + f.host + ":7443/http-bind/", Username: h.agentID, Password: testPassword},
		})
	}
	for _, o := range opts {
		o(&cfg)
	}
	e, err := New(cfg)
	require.NoError(t, err)
	h.e = e
	t.Cleanup(h.close)
	return h
}

func (h *harness) record(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
	if h.onEvent != nil {
		h.onEvent(ev)
	}
}

// close ends the engine and checks that its I/O ended with it.
func (h *harness) close() {
	h.e.Close()
	h.settle()
	for i := 0; i < 1000; i++ {
		select {
		case <-h.e.Done():
			return
		default:
		}
		h.clk.Advance(time.Second)
		h.settle()
	}
	h.t.Error("engine I/O still running after Close")
}

// settle waits (in real time, briefly) until the engine is quiescent: no
// input queued or running, and every I/O goroutine blocked in a fake on
// something only the virtual clock can release.
func (h *harness) settle() {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !h.e.quiescent(h.blocked()) {
		if time.Now().After(deadline) {
			h.t.Fatalf("engine did not settle: inflight=%d blocked=%d", h.e.loop.inflight.Load(), h.blocked())
		}
		runtime.Gosched()
		time.Sleep(10 * time.Microsecond)
	}
}

// run moves virtual time forward by d, settling before and after every timer.
func (h *harness) run(d time.Duration) {
	h.t.Helper()
	end := h.clk.Now().Add(d)
	h.settle()
	for h.clk.FireNext(end) {
		h.settle()
	}
	h.clk.AdvanceTo(end)
	h.settle()
}

// start starts the engine and expects it connected to side within 1 s.
func (h *harness) start(side string) {
	h.t.Helper()
	h.e.Start()
	h.run(time.Second)
	h.requireConnected(side)
}

func (h *harness) now() time.Time { return h.clk.Now() }

func (h *harness) requireConnected(side string) {
	h.t.Helper()
	c := h.e.Snapshot().Connection
	require.Equal(h.t, StateConnected, c.State, "connection: %+v\nhistory: %v", c, h.e.History())
	require.Equal(h.t, side, c.Side)
}

// runUntil advances in small steps until cond holds or limit passes, and
// returns the virtual time it took.
func (h *harness) runUntil(limit time.Duration, cond func() bool) (time.Duration, bool) {
	h.t.Helper()
	start := h.now()
	for h.now().Sub(start) <= limit {
		if cond() {
			return h.now().Sub(start), true
		}
		h.run(50 * time.Millisecond)
	}
	return h.now().Sub(start), cond()
}

func (h *harness) connectedTo(side string) func() bool {
	return func() bool {
		c := h.e.Snapshot().Connection
		return c.State == StateConnected && c.Side == side
	}
}

// ---- event queries ---------------------------------------------------------

func (h *harness) mark() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.events)
}

func (h *harness) eventsSince(m int) []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Event(nil), h.events[m:]...)
}

func connEvents(evs []Event) []ConnectionEvent {
	var out []ConnectionEvent
	for _, ev := range evs {
		if c, ok := ev.(ConnectionEvent); ok {
			out = append(out, c)
		}
	}
	return out
}

// connTrail renders connection events as "state/side" for compact asserts.
func connTrail(evs []Event) []string {
	var out []string
	for _, c := range connEvents(evs) {
		out = append(out, string(c.State)+"/"+c.Side)
	}
	return out
}

func dialogEvents(evs []Event) []DialogEvent {
	var out []DialogEvent
	for _, ev := range evs {
		if d, ok := ev.(DialogEvent); ok {
			out = append(out, d)
		}
	}
	return out
}

func agentEvents(evs []Event) []AgentEvent {
	var out []AgentEvent
	for _, ev := range evs {
		if a, ok := ev.(AgentEvent); ok {
			out = append(out, a)
		}
	}
	return out
}

func errorEvents(evs []Event) []ErrorEvent {
	var out []ErrorEvent
	for _, ev := range evs {
		if e, ok := ev.(ErrorEvent); ok {
			out = append(out, e)
		}
	}
	return out
}

// addedPerCall counts "added" events per call key over all events.
func (h *harness) addedPerCall() map[string]int {
	n := map[string]int{}
	for _, d := range dialogEvents(h.eventsSince(0)) {
		if d.Action == DialogAdded {
			n[d.Dialog.CallKey]++
		}
	}
	return n
}

func (h *harness) requireNoDuplicateAdded() {
	h.t.Helper()
	for k, n := range h.addedPerCall() {
		require.Equal(h.t, 1, n, "call %s added %d times", k, n)
	}
}

// firstConnected returns the first connected event after mark m.
func firstConnected(evs []Event, side string) (ConnectionEvent, bool) {
	for _, c := range connEvents(evs) {
		if c.State == StateConnected && c.Side == side {
			return c, true
		}
	}
	return ConnectionEvent{}, false
}

// connectedWithin requires a `connected` event on side among evs, no later
// than bound after from, and returns it.
func connectedWithin(t *testing.T, evs []Event, side string, from time.Time, bound time.Duration, msgAndArgs ...any) ConnectionEvent {
	t.Helper()
	conn, ok := firstConnected(evs, side)
	require.True(t, ok, "never connected to %s: %v", side, connTrail(evs))
	assert.LessOrEqual(t, conn.Since.Sub(from), bound, msgAndArgs...)
	return conn
}

func countSwitches(evs []Event) int {
	n := 0
	for _, c := range connEvents(evs) {
		if c.State == StateFailingOver {
			n++
		}
	}
	return n
}

// requireNoSecrets checks every event, error and history entry for the
// password in any form the engine knows.
func (h *harness) requireNoSecrets() {
	h.t.Helper()
	blob, err := json.Marshal(struct {
		Events  []Event
		History []HistoryEntry
		Snap    Snapshot
	}{h.eventsSince(0), h.e.History(), h.e.Snapshot()})
	require.NoError(h.t, err)
	for _, sec := range h.e.secrets.copy() {
		require.NotContains(h.t, string(blob), sec)
	}
	require.NotContains(h.t, string(blob), testPassword)
}

// requireDone fails (instead of hanging) when a request has not resolved.
func (h *harness) requireDone(p *pendingRequest) {
	h.t.Helper()
	h.settle()
	select {
	case <-p.done:
	default:
		h.t.Fatalf("request %s %s has not resolved", p.method, p.path)
	}
}
