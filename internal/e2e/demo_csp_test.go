package e2e

import (
	"context"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/testkit/browserharness"
)

// demoCSP is the policy README.md documents for the demo page, with the
// simulator's control API and sides filled in.
func demoCSP(control, sides string) string {
	return "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' " + control + " " + sides + "; worker-src 'self'"
}

// demoRun is web/demo opened at 1280×800 under the documented CSP against a
// fresh simulator; wait polls a condition, failing early on the page's error
// banner.
type demoRun struct {
	pair  *sim.Pair
	pages *browserharness.PageServer
	tab   context.Context
	run   *pageRun
	wait  func(what, expr string, within time.Duration)
}

// openDemo starts a simulator with cfg, serves the demo with its CSP and
// opens it with query (ending in "&", or empty) before ?control=.
func openDemo(t *testing.T, cfg sim.Config, name string, within time.Duration, query string) demoRun {
	f := env(t)
	root := moduleRoot(t)
	pair := f.newPair(t, cfg)
	pages, err := browserharness.StartPageServer(browserharness.PageConfig{
		Static: []sim.StaticDir{{Prefix: "/", Dir: filepath.Join(root, "web")}, {Prefix: "/", Dir: filepath.Join(f.tmp, "dist")}},
		CSP:    demoCSP(pair.ControlURL(), sidesCSP(pair)),
	})
	require.NoError(t, err)
	t.Cleanup(func() { pages.Close() })
	tab := f.tab(t, within)
	run := newPageRun(t, tab, name)
	require.NoError(t, chromedp.Run(tab, chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(pages.URL+"/demo/?"+query+"control="+pair.ControlURL())))
	wait := func(what, expr string, within time.Duration) { waitFor(t, tab, what, expr, "#demo-error", within) }
	return demoRun{pair: pair, pages: pages, tab: tab, run: run, wait: wait}
}

// TestDemoPageUnderCSP is a contact-center lead's tour of web/demo at
// 1280×800 with the documented CSP: sign in, Ready, a call with call data,
// side B set to lose call data, side A killed from the page, the readout
// says how long the failover took, the restored values are highlighted,
// both views of the sides agree, Not Ready with a reason, a refused request
// is shown and its banner clears, sign out.
func TestDemoPageUnderCSP(t *testing.T) {
	d := openDemo(t, sim.Config{Password: pagePassword}, "demo", 150*time.Second, "")
	pair, tab, run, wait, pages := d.pair, d.tab, d.run, d.wait, d.pages
	agent := pair.Agents()[0]

	wait("the page is ready", `!document.getElementById('login-submit').disabled &&
		document.querySelectorAll('#sides tbody tr').length === 2`, 20*time.Second)
	run.shot(tab, "start")
	require.NoError(t, chromedp.Run(tab,
		typeInto("#login-agent", agent),
		typeInto("#login-extension", agent),
		typeInto("#login-password", pagePassword),
		chromedp.Click("#login-submit", chromedp.ByQuery),
	))
	wait("signed in", `document.querySelector('#agent-state[data-state="NOT_READY"]') &&
		document.querySelector('#connection-state[data-state="connected"]')`, 60*time.Second)
	assert.Equal(t, "A", attr(t, tab, "#connection-side", "data-side"))
	assert.Greater(t, atoi(attr(t, tab, "#connection-state", "data-loaded")), 1_000_000, "the .wasm's load progress reached the page")
	assert.Contains(t, textOf(t, tab, "#connection-side"), "Side A · finesse-a.sim", "sides are named as the simulator names them")
	u, err := pair.User(agent)
	require.NoError(t, err)
	assert.Equal(t, finesse.StateNotReady, u.State, "the page sent LOGIN")
	wait("reasons loaded", `document.querySelectorAll('#agent-reason option').length === 4`, 10*time.Second)

	// A call cannot ring for an agent that is not Ready: the banner says so,
	// and clears once ringing works.
	require.NoError(t, chromedp.Run(tab, chromedp.Click("#ring", chromedp.ByQuery)))
	wait("ring refused in words", `/go Ready first/.test(document.getElementById('demo-error').textContent)`, 5*time.Second)
	run.shot(tab, "ring-refused")
	require.NoError(t, chromedp.Run(tab, chromedp.Click("#agent-ready", chromedp.ByQuery)))
	wait("Ready", `document.querySelector('#agent-state[data-state="READY"]')`, 10*time.Second)
	assert.Regexp(t, `Ready: accepted · HTTP 202 · \d+ ms`, lastTextOf(t, tab, "#timeline li.kind-request"))
	require.NoError(t, chromedp.Run(tab, chromedp.Click("#ring", chromedp.ByQuery)))
	wait("the call rings", `document.querySelector('.call[data-state="ALERTING"] dd[data-var="callVariable1"]')`, 10*time.Second)
	wait("the banner cleared", `document.getElementById('demo-error').hidden`, 5*time.Second)
	cv1 := textOf(t, tab, `.call dd[data-var="callVariable1"]`)
	require.NoError(t, chromedp.Run(tab, chromedp.Click(`.call button[data-action="ANSWER"]`, chromedp.ByQuery)))
	wait("on the call", `document.querySelector('.call[data-state="ACTIVE"]')`, 10*time.Second)
	run.shot(tab, "on-a-call")

	// Break B's call data, then kill A, from the page's buttons.
	require.NoError(t, chromedp.Run(tab, chromedp.Click(`#sides button[data-fault="null-callvars"][data-side="B"]`, chromedp.ByQuery)))
	wait("B loses call data", `document.querySelector('#sides button[data-fault="clear"][data-side="B"]')`, 5*time.Second)
	run.sideDown(pair.A().URL())
	require.NoError(t, chromedp.Run(tab, chromedp.Click(`#sides button[data-fault="kill"][data-side="A"]`, chromedp.ByQuery)))
	wait("the readout counts", `/after: Kill on side A$/.test(document.getElementById('failover-readout').textContent)`, 10*time.Second)
	run.shot(tab, "failing-over")
	wait("failed over", `document.querySelector('#failover-readout[data-phase="done"]')`, 45*time.Second)
	assert.Regexp(t, regexp.MustCompile(`^Failed over to side B in \d+\.\d s$`), textOf(t, tab, "#failover-readout .main"))
	t.Logf("the page's readout: %s", textOf(t, tab, "#failover-readout .main"))
	assert.Equal(t, "B", attr(t, tab, "#connection-side", "data-side"))
	wait("restored values highlighted", `document.querySelector('.call dd.restored[data-var="callVariable1"]')`, 15*time.Second)
	assert.Equal(t, cv1, textOf(t, tab, `.call dd[data-var="callVariable1"]`))
	assert.Equal(t, "ACTIVE", attr(t, tab, ".call", "data-state"))
	// The simulator's truth and the client's view, side by side.
	wait("A shown down", `document.querySelector('#sides tr[data-side="A"] td.truth[data-status="DOWN"]')`, 5*time.Second)
	assert.Contains(t, textOf(t, tab, `#sides tr[data-side="A"] td.truth`), "Down (process killed)")
	assert.Equal(t, "true", attr(t, tab, `#sides tr[data-side="B"] td.view`, "data-active"))
	assertTimelineInOrder(t, tab)
	assert.NotContains(t, textOf(t, tab, "main"), "127.0.0.1", "sides are named one way: as the simulator names them")
	run.shot(tab, "failed-over")

	require.NoError(t, chromedp.Run(tab, chromedp.Click(`.call button[data-action="DROP"]`, chromedp.ByQuery)))
	wait("the call ended", `document.querySelectorAll('.call').length === 0`, 10*time.Second)
	pick(t, tab, "#agent-reason", "Team Meeting")
	require.NoError(t, chromedp.Run(tab, chromedp.Click("#agent-notready", chromedp.ByQuery)))
	wait("Not Ready with the reason", `document.querySelector('#agent-state[data-state="NOT_READY"][data-reason="3"]')`, 10*time.Second)
	assert.Equal(t, "Not Ready — Team Meeting", textOf(t, tab, "#agent-state"))
	run.shot(tab, "not-ready")

	// Finesse refuses Ready after a forced logout: the refusal is on screen,
	// in the banner and the timeline.
	run.expectNetworkError("status of 400 (Bad Request) " + pair.B().URL() + "/finesse/api/User/" + agent)
	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultForcedLogout, Agent: agent, Duration: time.Millisecond}))
	wait("forced logout shown", `document.querySelector('#agent-state[data-state="LOGOUT"]')`, 10*time.Second)
	require.NoError(t, chromedp.Run(tab, chromedp.Click("#agent-ready", chromedp.ByQuery)))
	wait("the refusal shown", `/Ready refused by Finesse: Invalid State.*HTTP 400/.test(document.getElementById('demo-error').textContent)`, 10*time.Second)
	assert.Contains(t, lastTextOf(t, tab, "#timeline li.kind-request.failed"), "Ready: refused · HTTP 400")
	run.shot(tab, "refused")

	require.NoError(t, chromedp.Run(tab, chromedp.Click("#disconnect", chromedp.ByQuery)))
	wait("signed out", `!document.getElementById('login').hidden && document.getElementById('demo-error').hidden`, 10*time.Second)
	// In a worker runtime the shared client ends one grace period (5 s by
	// default) after its last page left, so that a reload keeps it.
	assert.Eventually(t, func() bool { return pair.B().Metrics().WSOpen == 0 }, 12*time.Second, 100*time.Millisecond,
		"the client's WebSocket is still open after sign-out")
	run.shot(tab, "signed-out")
	run.assertClean(pagePassword, []*browserharness.PageServer{pages}, tab)
}

// assertTimelineInOrder checks the timeline's entries are in time order.
func assertTimelineInOrder(t *testing.T, ctx context.Context) {
	t.Helper()
	var times []string
	require.NoError(t, browserharness.Eval(ctx, `[...document.querySelectorAll('#timeline time')].map((e) => e.dateTime)`, &times))
	require.NotEmpty(t, times)
	assert.True(t, sort.StringsAreSorted(times), "timeline out of time order: %v", times)
	var kinds []string
	require.NoError(t, browserharness.Eval(ctx, `[...new Set([...document.querySelectorAll('#timeline li')].map((e) => e.className.split(' ')[0]))]`, &kinds))
	assert.Subset(t, kinds, []string{"kind-failover", "kind-request", "kind-agent", "kind-call", "kind-fault"}, "one timeline for everything")
}

// lastTextOf returns the trimmed text of the last element matching sel.
func lastTextOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	require.NoError(t, browserharness.Eval(ctx, `(([...document.querySelectorAll(`+quoteJS(sel)+`)].pop() || {}).textContent || '').trim()`, &s))
	return s
}

// TestDemoPageSSOMode: with the simulator in SSO mode (make demo-sso) the
// demo signs in without a password, through a token source that asks the
// simulator for short tokens, and the timeline shows the refresh at 75% of
// a token's lifetime while the client stays connected and no side refuses
// anything.
func TestDemoPageSSOMode(t *testing.T) {
	d := openDemo(t, sim.Config{SSO: true}, "demo-sso", 120*time.Second, "tokenLifetime=16s&")
	pair, tab, run, wait := d.pair, d.tab, d.run, d.wait
	agent := pair.Agents()[0]
	wait("the page is ready in SSO mode", `!document.getElementById('login-submit').disabled &&
		!document.getElementById('sso-note').hidden && document.getElementById('login-password-label').hidden`, 20*time.Second)
	require.NoError(t, chromedp.Run(tab,
		typeInto("#login-agent", agent),
		typeInto("#login-extension", agent),
		chromedp.Click("#login-submit", chromedp.ByQuery),
	))
	wait("signed in with a token", `document.querySelector('#agent-state[data-state="NOT_READY"]') &&
		document.querySelector('#connection-state[data-state="connected"]')`, 60*time.Second)
	run.shot(tab, "sso-signed-in")
	// A 16 s token is refreshed at about 12 s.
	wait("a refresh in the timeline", `[...document.querySelectorAll('#timeline li')].some((li) => /Fresh SSO token issued/.test(li.textContent)) &&
		Number(document.getElementById('sso-tokens').dataset.count) >= 2`, 30*time.Second)
	run.shot(tab, "sso-refreshed")
	assert.Equal(t, "connected", attr(t, tab, "#connection-state", "data-state"))
	assert.Empty(t, pair.A().Metrics().UnauthorizedBy, "no token was refused")
	assert.Empty(t, pair.B().Metrics().UnauthorizedBy, "no token was refused")
}
