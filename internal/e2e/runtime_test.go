package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/testkit/browserharness"
)

// SPEC §4.1 and S19 end to end: several pages of one origin, one client.
// The pages are testdata/runtime.html (a CRM page that can also load
// itself in an iframe); the notification sessions are counted on the
// simulator's side, never by the pages.

// rtPage is one page (a tab, or the iframe inside a tab) running runtime.html.
type rtPage struct {
	t   *testing.T
	tab *browserharness.Tab
	obj string // the page's window.rt, as seen from the tab's top window
}

// clientOptions are the client options of the browser scenarios: BOSH,
// a 1 s poll and no jitter, and options.runtime unless runtime is "".
func clientOptions(pair *sim.Pair, runtime string) map[string]any {
	opts := map[string]any{
		"sides": []any{
			map[string]string{"rest": pair.A().URL(), "bosh": pair.A().BOSHURL()},
			map[string]string{"rest": pair.B().URL(), "bosh": pair.B().BOSHURL()},
		},
		"agent":         map[string]string{"id": scenarioAgent, "extension": scenarioAgent},
		"auth":          map[string]string{"username": scenarioAgent, "password": scenarioPassword},
		"transport":     "bosh",
		"allowInsecure": true,
		"policy":        map[string]int{"pollIntervalMs": 1000, "jitterMs": 0},
	}
	if runtime != "" {
		opts["runtime"] = runtime
	}
	return opts
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return string(raw)
}

// openRT opens runtime.html in a new tab of h and starts a client with opts.
func openRT(t *testing.T, h *browserharness.Harness, pair *sim.Pair, opts map[string]any) *rtPage {
	t.Helper()
	tab := h.NewTab(4 * time.Minute)
	t.Cleanup(func() {
		tab.Close()
		if t.Failed() {
			for _, l := range tab.Console() {
				t.Log("browser: " + l)
			}
		}
	})
	require.NoError(t, tab.Open(pair.ControlURL()+"/e2e/runtime.html", `!!window.rt`, 20*time.Second))
	p := &rtPage{t: t, tab: tab, obj: "window.rt"}
	p.start(opts)
	return p
}

func (p *rtPage) start(opts map[string]any) {
	p.t.Helper()
	var startErr string
	require.NoError(p.t, p.tab.Eval(`Promise.resolve(`+p.obj+`.start(`+mustJSON(p.t, opts)+`))`, &startErr))
	require.Empty(p.t, startErr, "createClient rejected")
}

// frame loads runtime.html in an iframe of p's page and starts a client there.
func (p *rtPage) frame(opts map[string]any) *rtPage {
	p.t.Helper()
	var startErr string
	require.NoError(p.t, p.tab.Eval(`Promise.resolve(window.rt.frame(`+mustJSON(p.t, opts)+`))`, &startErr))
	require.Empty(p.t, startErr, "createClient in the frame rejected")
	return &rtPage{t: p.t, tab: p.tab, obj: "window.rt.frameWindow.rt"}
}

type rtSnapshot struct {
	Runtime    string `json:"runtime"`
	Connection struct {
		State   string `json:"state"`
		Side    string `json:"side"`
		Runtime string `json:"runtime"`
	} `json:"connection"`
	Dialogs []scenarioDialog `json:"dialogs"`
}

func (p *rtPage) eval(expr string, out any) {
	p.t.Helper()
	require.NoError(p.t, p.tab.Eval(expr, out))
}

func (p *rtPage) snapshot() rtSnapshot {
	p.t.Helper()
	var s rtSnapshot
	p.eval(p.obj+`.snapshot()`, &s)
	return s
}

// atStart is what snapshot() said right after createClient resolved, and
// how long createClient took.
func (p *rtPage) atStart() (rtSnapshot, float64) {
	p.t.Helper()
	var out struct {
		Snap rtSnapshot `json:"snap"`
		Ms   float64    `json:"ms"`
	}
	p.eval(`({snap: `+p.obj+`.snapshotAtStart, ms: `+p.obj+`.startedMs})`, &out)
	return out.Snap, out.Ms
}

func (p *rtPage) waitFor(what string, within time.Duration, ok func(rtSnapshot) bool) rtSnapshot {
	p.t.Helper()
	deadline := time.Now().Add(within)
	for {
		s := p.snapshot()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: %s not reached within %v; last snapshot %+v", p.obj, what, within, s.Connection)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *rtPage) waitConnected(side string, within time.Duration) rtSnapshot {
	p.t.Helper()
	return p.waitFor("connected on "+side, within, func(s rtSnapshot) bool {
		return s.Connection.State == "connected" && s.Connection.Side == side
	})
}

func (p *rtPage) request(method, path string) (int, string) {
	p.t.Helper()
	var r struct {
		Status int    `json:"status"`
		Error  string `json:"error"`
	}
	p.eval(`Promise.resolve(`+p.obj+`.request(`+jsString(method)+`, `+jsString(path)+`))`, &r)
	return r.Status, r.Error
}

// addedCount counts the `added` dialog events p's listeners got for callKey.
func (p *rtPage) addedCount(callKey string) int {
	p.t.Helper()
	var n int
	p.eval(`Promise.resolve(`+p.obj+`.events.filter((e) => e.type === 'dialog' && e.event.action === 'added' && e.event.dialog.callKey === `+jsString(callKey)+`).length)`, &n)
	return n
}

// connectedEvents counts the `connected` connection events p got.
func (p *rtPage) connectedEvents() int {
	p.t.Helper()
	var n int
	p.eval(`Promise.resolve(`+p.obj+`.events.filter((e) => e.type === 'connection' && e.event.state === 'connected').length)`, &n)
	return n
}

func (p *rtPage) fatalErrors() []string {
	p.t.Helper()
	var msgs []string
	p.eval(`Promise.resolve(`+p.obj+`.events.filter((e) => e.type === 'error' && e.event.fatal).map((e) => e.event.message))`, &msgs)
	return msgs
}

// sessionWatch samples, on the simulator, how many notification sessions
// the agent has bound on both sides, and keeps the most seen at once.
type sessionWatch struct {
	pair  *sim.Pair
	agent string
	stop  chan struct{}
	done  chan struct{}
	mu    sync.Mutex
	most  int
}

func watchSessions(t *testing.T, pair *sim.Pair, agent string) *sessionWatch {
	w := &sessionWatch{pair: pair, agent: agent, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			n := w.bound()
			w.mu.Lock()
			w.most = max(w.most, n)
			w.mu.Unlock()
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(w.close)
	return w
}

func (w *sessionWatch) close() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
}

// bound is the agent's sessions bound now, on both sides.
func (w *sessionWatch) bound() int {
	n := 0
	for _, side := range []*sim.Side{w.pair.A(), w.pair.B()} {
		for jid := range side.Sessions() {
			if strings.HasPrefix(jid, w.agent+"@") {
				n++
			}
		}
	}
	return n
}

func (w *sessionWatch) mostAtOnce() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.most
}

// binds is every bind the agent made so far, on both sides.
func (w *sessionWatch) binds() uint64 {
	return w.pair.A().BindsOf(w.agent) + w.pair.B().BindsOf(w.agent)
}

// waitBound waits until the agent has n sessions bound.
func (w *sessionWatch) waitBound(t *testing.T, n int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for w.bound() != n {
		if time.Since(start) > within {
			t.Fatalf("the agent has %d notification sessions, want %d, after %v", w.bound(), n, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// s19Pages opens three tabs and an iframe of one agent with runtime and
// checks S19's first half: one session, late pages get the snapshot at
// once, request() works from every page, a call is seen once by each.
func s19Pages(t *testing.T, runtime string) (pages []*rtPage, w *sessionWatch, pair *sim.Pair, call scenarioDialog) {
	f := env(t)
	pair = f.newPair(t, sim.Config{})
	require.NoError(t, pair.SignIn(scenarioAgent, true))
	w = watchSessions(t, pair, scenarioAgent)
	opts := clientOptions(pair, runtime)

	first := openRT(t, f.h, pair, opts)
	first.waitConnected("A", firstConnect)
	pages = append(pages, first)
	for i := 0; i < 2; i++ {
		pages = append(pages, openRT(t, f.h, pair, opts))
	}
	pages = append(pages, first.frame(opts))

	for i, p := range pages {
		snap, ms := p.atStart()
		if i > 0 {
			assert.Equal(t, "connected", snap.Connection.State, "page %d: a later page gets the current state at once", i)
			t.Logf("%s page %d: createClient -> connected in %.1f ms", runtime, i, ms)
		}
		assert.Equal(t, runtime, snap.Runtime, "page %d: the runtime is reported in snapshot()", i)
		assert.Equal(t, runtime, snap.Connection.Runtime, "page %d: and on the connection", i)
	}
	for i, p := range pages {
		status, errMsg := p.request("GET", "/finesse/api/User/"+scenarioAgent)
		assert.Equal(t, 200, status, "page %d: request(): %s", i, errMsg)
	}

	id, err := pair.OfferCall(scenarioAgent)
	require.NoError(t, err)
	for _, p := range pages {
		s := p.waitFor("call "+id, 10*time.Second, func(s rtSnapshot) bool { return findDialog(s.Dialogs, id) != nil })
		call = *findDialog(s.Dialogs, id)
	}
	for i, p := range pages {
		assert.Equal(t, 1, p.addedCount(call.CallKey), "page %d: one added for the call", i)
	}
	assert.Equal(t, 1, w.mostAtOnce(), "one notification session for the agent, however many pages")
	assert.Equal(t, uint64(1), w.binds(), "one bind for the agent")
	return pages, w, pair, call
}

// TestE2E_S19_SharedWorker: three tabs and a frame share one client in a
// SharedWorker; pages leave one by one (close(), a closed tab, a removed
// frame); the session ends one grace period after the last.
func TestE2E_S19_SharedWorker(t *testing.T) {
	pages, w, _, _ := s19Pages(t, "shared-worker")
	tab1, tab2, tab3, frame := pages[0], pages[1], pages[2], pages[3]

	var ok bool
	tab3.eval(`Promise.resolve(window.rt.close()).then(() => true)`, &ok)
	tab2.tab.Close() // gone without close(): its page lock detaches it
	frame.eval(`(() => { document.querySelector('iframe').remove(); return true; })()`, &ok)
	time.Sleep(time.Second)
	status, errMsg := tab1.request("GET", "/finesse/api/User/"+scenarioAgent)
	assert.Equal(t, 200, status, "the last page still works: %s", errMsg)
	assert.Equal(t, 1, w.bound(), "the session lives while a page is attached")

	tab1.eval(`Promise.resolve(window.rt.close()).then(() => true)`, &ok)
	closedAt := time.Now()
	var state string
	tab1.eval(`window.rt.client.snapshot().connection.state`, &state)
	assert.Equal(t, "closed", state, "close() closes this page's client")
	time.Sleep(3 * time.Second)
	assert.Equal(t, 1, w.bound(), "the session outlives its last page for the grace period (5 s)")
	w.waitBound(t, 0, 20*time.Second)
	t.Logf("session ended %v after the last page closed (grace 5 s)", time.Since(closedAt).Round(100*time.Millisecond))
	assert.Equal(t, 1, w.mostAtOnce())
	assert.Equal(t, uint64(1), w.binds())
}

// TestE2E_S19_Worker: the same pages with runtime 'worker': one leader
// (the first tab) holds the session; when its tab closes mid-call a
// follower takes over, and every page still has one `added` for the call.
func TestE2E_S19_Worker(t *testing.T) {
	pages, w, _, call := s19Pages(t, "worker")
	leader, rest := pages[0], pages[1:3]

	// A late page never saw the first client's events, only its state:
	// count from here.
	connectedBefore := make([]int, len(rest))
	for i, p := range rest {
		connectedBefore[i] = p.connectedEvents()
	}
	leader.tab.Close() // the frame goes with it
	for i, p := range rest {
		deadline := time.Now().Add(failoverBound)
		for p.connectedEvents() <= connectedBefore[i] {
			require.False(t, time.Now().After(deadline), "page %d: no connected event from the new leader's client within %v", i+1, failoverBound)
			time.Sleep(100 * time.Millisecond)
		}
		p.waitFor("connected again with the call", failoverBound, func(s rtSnapshot) bool {
			return s.Connection.State == "connected" && findCallKey(s.Dialogs, call.CallKey) != nil
		})
	}
	for i, p := range rest {
		assert.Equal(t, 1, p.addedCount(call.CallKey), "page %d: still one added for the call after the takeover", i+1)
		status, errMsg := p.request("GET", "/finesse/api/User/"+scenarioAgent)
		assert.Equal(t, 200, status, "page %d: request() after the takeover: %s", i+1, errMsg)
		assert.Empty(t, p.fatalErrors(), "page %d", i+1)
	}
	assert.Equal(t, uint64(2), w.binds(), "one bind for the first leader, one for the one that took over")
}

// TestE2E_PageRuntimeTwoPagesNoConflict: two pages with their own clients
// (runtime 'page', no resource option) bind distinct resources, so
// neither knocks the other off the notification server.
func TestE2E_PageRuntimeTwoPagesNoConflict(t *testing.T) {
	f := env(t)
	pair := f.newPair(t, sim.Config{})
	require.NoError(t, pair.SignIn(scenarioAgent, true))
	w := watchSessions(t, pair, scenarioAgent)
	opts := clientOptions(pair, "page")
	a := openRT(t, f.h, pair, opts)
	b := openRT(t, f.h, pair, opts)
	a.waitConnected("A", firstConnect)
	b.waitConnected("A", firstConnect)
	time.Sleep(10 * time.Second)
	for i, p := range []*rtPage{a, b} {
		var states []string
		p.eval(`window.rt.events.filter((e) => e.type === 'connection').map((e) => e.event.state + '/' + e.event.reason)`, &states)
		assert.Equal(t, "connected", p.snapshot().Connection.State, "page %d", i)
		assert.False(t, slices.ContainsFunc(states, func(s string) bool { return strings.HasPrefix(s, "reconnecting") }),
			"page %d was knocked off the notification server: %v", i, states)
	}
	assert.Equal(t, uint64(2), w.binds(), "two pages, two binds, no storm")
	assert.Equal(t, 2, w.bound())
}

// TestE2E_SharedWorkerCrash: when the SharedWorker running the client dies,
// every attached page gets a fatal error and `closed`, and the next
// createClient starts a fresh runtime.
func TestE2E_SharedWorkerCrash(t *testing.T) {
	f := env(t)
	pair := f.newPair(t, sim.Config{})
	require.NoError(t, pair.SignIn(scenarioAgent, true))
	opts := clientOptions(pair, "shared-worker")
	a := openRT(t, f.h, pair, opts)
	a.waitConnected("A", firstConnect)
	b := openRT(t, f.h, pair, opts)

	require.NoError(t, a.tab.CloseWorkers("shared_worker", pair.ControlURL()+"/worker.js"))
	for i, p := range []*rtPage{a, b} {
		p.waitFor("closed", 10*time.Second, func(s rtSnapshot) bool { return s.Connection.State == "closed" })
		assert.NotEmpty(t, p.fatalErrors(), "page %d: a fatal error event", i)
	}
	a.start(opts)
	a.waitConnected("A", firstConnect)
}
