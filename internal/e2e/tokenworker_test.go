package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/testkit/browserharness"
)

// SSO token sources through the worker runtimes (SPEC §4.1, §4.2): two
// pages with auth.getToken share one client in a worker; Go there asks one
// page's source per refresh (web/host.js), and the other page's when that
// page goes. Each page is testdata/sso.html, whose source mints tokens of
// the simulator (in SSO mode) and records when it was called; 401s are
// counted on the simulator's side.

// tokenPage is one tab running sso.html.
type tokenPage struct {
	t   *testing.T
	tab *browserharness.Tab
}

func openTokenPage(t *testing.T, f *fixture, pair *sim.Pair, optsJSON, lifetime string) *tokenPage {
	t.Helper()
	tab := f.newTab(t, 3*time.Minute)
	require.NoError(t, tab.Open(pair.ControlURL()+"/e2e/sso.html", `!!window.sso`, 20*time.Second))
	p := &tokenPage{t: t, tab: tab}
	var startErr string
	p.eval(`window.sso.start(`+optsJSON+`, `+jsString(lifetime)+`)`, &startErr)
	require.Empty(t, startErr, "createClient rejected")
	return p
}

func (p *tokenPage) eval(expr string, out any) {
	p.t.Helper()
	require.NoError(p.t, p.tab.Eval(expr, out))
}

// calls are the times (ms since the epoch) the page's getToken was called.
func (p *tokenPage) calls() []float64 {
	p.t.Helper()
	var calls []float64
	p.eval(`window.sso.calls`, &calls)
	return calls
}

func (p *tokenPage) snapshot() rtSnapshot {
	p.t.Helper()
	var s rtSnapshot
	p.eval(`window.sso.client.snapshot()`, &s)
	return s
}

func (p *tokenPage) waitConnected(side string, within time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(within)
	for s := p.snapshot(); s.Connection.State != "connected" || s.Connection.Side != side; s = p.snapshot() {
		if time.Now().After(deadline) {
			p.t.Fatalf("not connected on %s within %v; last %+v", side, within, s.Connection)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *tokenPage) errors() []json.RawMessage {
	p.t.Helper()
	var errs []json.RawMessage
	p.eval(`window.sso.events.filter((e) => e.type === 'error').map((e) => e.event)`, &errs)
	return errs
}

func at(ms float64) time.Time { return time.UnixMilli(int64(ms)) }

// tokenLife is the lifetime of the tokens sso.html mints in these tests.
const tokenLife = 16 * time.Second

// tokenPagesShareOneClient runs two token pages of one agent on runtime
// ("" is the default, 'auto', which is the SharedWorker in Chromium) over
// more than two 16 s token lifetimes. Page 1 starts the client (its
// source gives the first token) and answers the refresh at about 12 s;
// page 2 joins without being asked; page 1's tab closes at 14 s, and from
// then on page 2's source answers. It returns both pages' getToken calls
// (page 2's read at 42 s), when page 1 closed and page 2; the caller checks
// what its runtime implies.
func tokenPagesShareOneClient(t *testing.T, runtime string) (one, two []float64, closed time.Time, w *sessionWatch, p2 *tokenPage) {
	const life = tokenLife
	f := env(t)
	pair := f.newPair(t, sim.Config{SSO: true})
	require.NoError(t, pair.SignIn(scenarioAgent, true))
	w = watchSessions(t, pair, scenarioAgent)
	opts := clientOptions(pair, runtime)
	delete(opts, "auth") // sso.html gives every page a token source of its own
	optsJSON := mustJSON(t, opts)

	p1 := openTokenPage(t, f, pair, optsJSON, "16s")
	t0 := at(p1.calls()[0])
	p1.waitConnected("A", firstConnect)
	p2 = openTokenPage(t, f, pair, optsJSON, "16s")
	s := p2.snapshot()
	assert.Equal(t, "connected", s.Connection.State, "the second page joins the running client")
	want := runtime
	if want == "" {
		want = "shared-worker"
	}
	assert.Equal(t, want, s.Runtime, "a token source no longer keeps the client in the page")
	assert.Empty(t, p2.calls(), "the second page is not asked for a token to join")

	time.Sleep(time.Until(t0.Add(14 * time.Second)))
	one = p1.calls()
	require.Len(t, one, 2, "page 1: the first token and the refresh at 75%")
	// The refresh is history without an event: both pages' history() has it
	// now, as in the page runtime, not at the next event.
	for i, p := range []*tokenPage{p1, p2} {
		var kinds []string
		p.eval(`window.sso.client.history().map((e) => e.what)`, &kinds)
		assert.Contains(t, kinds, "token-refresh", "page %d: history() without waiting for an event", i+1)
	}
	assert.Equal(t, 1, w.mostAtOnce(), "one notification session for the agent, two pages")
	p1.tab.Close()
	closed = time.Now()

	// Short of the next refresh after 42 s (a JWT's iat is whole seconds,
	// so a refresh may come up to a second early).
	time.Sleep(time.Until(t0.Add(3*life - 6*time.Second)))
	two = p2.calls()
	s = p2.snapshot()
	assert.Equal(t, "connected", s.Connection.State)
	assert.Equal(t, "A", s.Connection.Side)
	for _, side := range []*sim.Side{pair.A(), pair.B()} {
		assert.Empty(t, side.Metrics().UnauthorizedBy, "side %s answered 401 / not-authorized", side.Name())
	}
	assert.False(t, pair.LockedOut(scenarioAgent))
	assert.Empty(t, p2.errors(), "no error event on the page that stayed")
	return one, two, closed, w, p2
}

// gapsNear asserts that consecutive calls are 75% of the 16 s lifetime apart.
func gapsNear(t *testing.T, what string, calls []float64) {
	t.Helper()
	for k := 1; k < len(calls); k++ {
		gap := time.Duration(calls[k]-calls[k-1]) * time.Millisecond
		t.Logf("%s: getToken call %d %v after the previous one", what, k+1, gap)
		assert.InDelta(t, 12.0, gap.Seconds(), 1.5, "%s: call %d came %v after the previous", what, k+1, gap)
	}
}

// TestE2E_TokenSourcesShareSharedWorkerClient: with a SharedWorker (the
// default runtime) the client lives on when page 1 closes; page 2's source
// takes over the refreshes: one getToken call per refresh across both pages.
func TestE2E_TokenSourcesShareSharedWorkerClient(t *testing.T) {
	one, two, _, w, _ := tokenPagesShareOneClient(t, "")
	require.Len(t, two, 2, "page 2: the refreshes at about 24 s and 36 s")
	gapsNear(t, "both pages", append(one, two...))
	assert.Equal(t, uint64(1), w.binds(), "one login for the agent across the token refreshes and page 1 leaving")
	assert.Equal(t, 1, w.mostAtOnce(), "one notification session for the agent throughout")
}

// TestE2E_TokenSourcesShareWorkerClient: with runtime 'worker' page 1 is
// the leader; when its tab closes page 2 takes over with a fresh client,
// whose first token comes from page 2's source, then its refreshes.
func TestE2E_TokenSourcesShareWorkerClient(t *testing.T) {
	one, two, closed, w, p2 := tokenPagesShareOneClient(t, "worker")
	gapsNear(t, "page 1 (leader)", one)
	require.NotEmpty(t, two, "page 2 is asked for the new client's first token at the takeover")
	assert.WithinDuration(t, closed, at(two[0]), failoverBound, "page 2 is asked for the new client's first token at the takeover")
	t.Logf("page 2's first getToken call %v after page 1 closed", at(two[0]).Sub(closed).Round(time.Millisecond))
	// The new client's refreshes count from its first token, and when that
	// comes depends on how long page 2's worker took to start a client
	// (load and compile the .wasm): read page 2's calls after its second
	// refresh is due and short of its third (each gap 12 s ± 1.5 s).
	time.Sleep(time.Until(at(two[0]).Add(2*tokenLife*3/4 + 4*time.Second)))
	two = p2.calls()
	require.Len(t, two, 3, "page 2: the new leader's first token, then its refreshes at 75%")
	gapsNear(t, "page 2 (leader after the takeover)", two)
	// The closed leader's session is not logged out (its tab is gone): it
	// lingers on the server until it times out, next to the new one.
	assert.Equal(t, uint64(2), w.binds(), "one login per leader")
}
