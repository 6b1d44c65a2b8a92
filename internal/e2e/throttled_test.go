package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/testkit/browserharness"
)

// S20 end to end: the page is hidden past Chrome's intensive-throttling
// grace period in a browser that throttles as users' browsers do
// (browserharness Config.Throttled), both sides go silent, then B answers
// again as a network that comes back does (sim.FaultBlackholeLift: the
// requests already in the hole stay hung until the client's own timeout). A client in a worker keeps its own timers and reaches B as fast
// as when visible; the page runtime's timer chains would fire once a
// minute (measured by the benchmarks, not asserted here).

// s20Bound is SPEC §5 S20's bound: on B within 30 s of B answering.
const s20Bound = 30 * time.Second

// throttledHarness launches a second browser, throttling on, that serves
// what the shared fixture serves. One per test: a browser starts in about
// a second, and these tests take a minute each.
func throttledHarness(t *testing.T) *browserharness.Harness {
	t.Helper()
	f := env(t)
	h, err := browserharness.New(browserharness.Config{Static: f.h.Static(), Throttled: true})
	require.NoError(t, err)
	t.Cleanup(h.Close)
	return h
}

// s20Result is one S20 run: how long after B answered the client was
// connected on B (the limit if it was not), and whether the page was
// still hidden then.
type s20Result struct {
	AfterB time.Duration
	Hidden bool
}

// runS20 runs S20 with runtime in a page of h hidden behind another tab.
func runS20(t *testing.T, h *browserharness.Harness, runtime string, limit time.Duration) s20Result {
	t.Helper()
	pair, err := h.StartPair(sim.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { pair.Close() })
	require.NoError(t, pair.SignIn(scenarioAgent, true))

	// The default 10 s SystemInfo poll: between polls the client waits on
	// its timers, which a hidden page's throttling would stretch to a minute.
	opts := clientOptions(pair, runtime)
	opts["policy"] = map[string]int{"jitterMs": 0}
	p := openRT(t, h, pair, opts)
	p.waitConnected("A", firstConnect)

	show, err := p.tab.Hide()
	require.NoError(t, err)
	t.Cleanup(show)
	vs, err := p.tab.VisibilityState()
	require.NoError(t, err)
	require.Equal(t, "hidden", vs, "a tab over the page hides it")
	// Past the grace period, chained timers in the page fire once a minute.
	time.Sleep(time.Duration(browserharness.IntensiveThrottlingGrace)*time.Second + 5*time.Second)

	// From here the page is read from its recorded events only: a call
	// into the client (snapshot()) would run Go outside its timer chains
	// and hide a page runtime's throttling.
	p.eval(`(window.rt.mark = window.rt.events.length, true)`, nil)
	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultBlackhole, Side: "both"}))
	noticed := p.waitEvent(120*time.Second, `(e, i) => i >= window.rt.mark && e.state !== 'connected'`)
	require.True(t, noticed, "the client never noticed both sides going silent")
	// Long enough that the requests into the hole have timed out and the
	// client waits between polls on its timers.
	time.Sleep(25 * time.Second)
	p.eval(`(window.rt.mark = window.rt.events.length, true)`, nil)
	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultBlackholeLift, Side: "B"}))
	answered := time.Now()

	res := s20Result{AfterB: limit}
	if p.waitEvent(limit, `(e, i) => i >= window.rt.mark && e.state === 'connected' && e.side === 'B'`) {
		res.AfterB = time.Since(answered)
	}
	if testing.Verbose() {
		var evs []string
		p.eval(`window.rt.events.filter((e) => e.type === 'connection').map((e) => e.event.since + ' ' + e.event.state + '/' + e.event.side + '/' + e.event.reason + '#' + e.event.attempt)`, &evs)
		t.Logf("B answered at %s; connection events: %v", answered.UTC().Format("15:04:05.000"), evs)
	}
	vs, err = p.tab.VisibilityState()
	require.NoError(t, err)
	res.Hidden = vs == "hidden"
	return res
}

func testS20Hidden(t *testing.T, runtime string) {
	h := throttledHarness(t)
	res := runS20(t, h, runtime, 2*s20Bound)
	assert.True(t, res.Hidden, "the page stayed hidden")
	assert.Less(t, res.AfterB, s20Bound, "hidden page, runtime %s: connected on B within 30 s of B answering", runtime)
	t.Logf("S20 hidden, runtime %s: connected on B %v after B answered", runtime, res.AfterB.Round(100*time.Millisecond))
}

func TestE2E_S20_HiddenSharedWorker(t *testing.T) { testS20Hidden(t, "shared-worker") }

func TestE2E_S20_HiddenWorker(t *testing.T) { testS20Hidden(t, "worker") }

// waitEvent polls p's recorded connection events (without calling into
// the client) until one matches pred, a JS (event, index) => bool.
func (p *rtPage) waitEvent(within time.Duration, pred string) bool {
	p.t.Helper()
	expr := `window.rt.events.some((x, i) => x.type === 'connection' && (` + pred + `)(x.event, i))`
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		var ok bool
		p.eval(expr, &ok)
		if ok {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}
