package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/testkit/browserharness"
)

// softphoneCSP is the policy gadget/README.md documents for softphone.html,
// with the simulator's sides and the CRM's origin filled in.
func softphoneCSP(sides, crmOrigin string) string {
	return "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' " + sides +
		"; worker-src 'self'; frame-ancestors " + crmOrigin
}

var configBlock = regexp.MustCompile(`(?s)(<script type="application/json" id="finesse-ha-config">).*?(</script>)`)

// softphoneConfig is the deployment configuration softphone.html gets in
// the test: the simulator's sides, in plain http (allowInsecure), with
// extra's keys set.
func softphoneConfig(t *testing.T, pair *sim.Pair, transport string, extra map[string]any) []byte {
	c := map[string]any{
		"sides": clientSides(pair), "transport": transport, "host": "standalone", "allowedOrigins": []string{},
		"allowInsecure": true, "policy": map[string]any{"jitterMs": 300},
	}
	for k, v := range extra {
		c[k] = v
	}
	cfg, err := json.Marshal(c)
	require.NoError(t, err)
	return cfg
}

// TestSoftphoneInCrossSiteFrameUnderCSP is an agent's shift on the npm
// package's softphone/softphone.html (gadget/softphone.html as shipped), framed by a CRM page of another site, with the
// documented CSP: sign in, Ready, a call with call data, side A dies,
// the call stays with its lost data marked restored, Not Ready with a
// reason, sign out.
func TestSoftphoneInCrossSiteFrameUnderCSP(t *testing.T) {
	// softphone.html ships with BOSH; Finesse 12.5 and later prefer WebSocket.
	for _, transport := range []string{"bosh", "websocket"} {
		t.Run(transport, func(t *testing.T) { softphoneShift(t, transport) })
	}
}

// softphonePages is softphone.html served under its documented CSP, framed
// by a CRM page of another site (testdata/<hostPage>), open in a tab.
type softphonePages struct {
	crm, phone *browserharness.PageServer
	tab, frame context.Context
	run        *pageRun
}

// openSoftphone deploys the CRM softphone as gadget/README.md tells an
// integrator to: the installed npm package served as is (its
// softphone/softphone.html, with imports build/npm.sh rewrote, loading the
// package's own index.js, worker.js and .wasm) under the documented CSP, with
// config(the CRM's origin) as softphone.html's configuration. testdata/ is
// the CRM (SOFTPHONE_URL in its pages becomes the softphone's URL, and each
// key of crmVars its value; /gadget/ serves the bridge to the CRM page); it
// opens the CRM's hostPage and finds the frame. crmConnect is the CRM page's
// connect-src ("" for none).
func openSoftphone(t *testing.T, f *fixture, pair *sim.Pair, config func(crmOrigin string) []byte, hostPage, runName, crmConnect string, crmVars map[string]string) softphonePages {
	t.Helper()
	root := moduleRoot(t)
	installed := npmPackage(t).installed
	var pageURL string
	crm, err := browserharness.StartPageServer(browserharness.PageConfig{
		Host: "localhost",
		Static: []sim.StaticDir{
			{Prefix: "/", Dir: filepath.Join(root, "internal", "e2e", "testdata")},
			{Prefix: "/gadget/", Dir: filepath.Join(root, "gadget")},
		},
		Rewrite: func(p string, body []byte) []byte {
			s := strings.ReplaceAll(string(body), "SOFTPHONE_URL", pageURL)
			for k, v := range crmVars {
				s = strings.ReplaceAll(s, k, v)
			}
			return []byte(s)
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { crm.Close() })
	cfg := config(crm.URL)
	const page = "/finesse-ha/softphone/softphone.html"
	phone, err := browserharness.StartPageServer(browserharness.PageConfig{
		Static: []sim.StaticDir{{Prefix: "/finesse-ha/", Dir: installed}},
		CSP:    softphoneCSP(sidesCSP(pair), crm.URL),
		Rewrite: func(p string, body []byte) []byte {
			if p != page {
				return body
			}
			return configBlock.ReplaceAll(body, append(append([]byte("${1}"), cfg...), "${2}"...))
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { phone.Close() })
	pageURL = phone.URL + page
	crmCSP := "default-src 'self'; frame-src " + phone.URL
	if crmConnect != "" {
		crmCSP += "; connect-src " + crmConnect
	}
	crm.SetCSP(crmCSP)

	tab := f.tab(t, 150*time.Second)
	run := newPageRun(t, tab, runName)
	require.NoError(t, chromedp.Run(tab, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(crm.URL+"/"+hostPage)))
	frame, cancel, err := browserharness.FrameTab(tab, pageURL, 20*time.Second, func(line string) {
		run.mu.Lock()
		run.lines = append(run.lines, "[frame] "+line)
		run.mu.Unlock()
	})
	require.NoError(t, err)
	t.Cleanup(cancel)
	run.watch(frame)
	return softphonePages{crm: crm, phone: phone, tab: tab, frame: frame, run: run}
}

func softphoneShift(t *testing.T, transport string) {
	f := env(t)
	pair := f.newPair(t, sim.Config{Password: pagePassword})
	agent := pair.Agents()[0]
	cfg := func(string) []byte { return softphoneConfig(t, pair, transport, nil) }
	pages := openSoftphone(t, f, pair, cfg, "crm-host.html", "softphone-"+transport, "", nil)
	crm, phone, tab, frame, run := pages.crm, pages.phone, pages.tab, pages.frame, pages.run
	const errSel = "#fha-error"
	sp := func(what, expr string, within time.Duration) { waitFor(t, frame, what, expr, errSel, within) }

	// A mistyped password: refused in words, the form back, no session left.
	sp("sign-in form ready", `!document.getElementById('fha-signin').disabled`, 20*time.Second)
	run.shot(tab, "signed-out")
	const wrong = "Wrong-pw-5521"
	for _, side := range []*sim.Side{pair.A(), pair.B()} {
		run.expectNetworkError("status of 401 (Unauthorized) " + side.URL() + "/finesse/api/")
	}
	require.NoError(t, chromedp.Run(frame,
		typeInto("#fha-agent-id", agent),
		typeInto("#fha-extension", agent),
		typeInto("#fha-password", wrong),
		chromedp.Click("#fha-signin", chromedp.ByQuery),
	))
	sp("the refusal shown", `/refused|Authorization Failure/i.test(document.getElementById('fha-error').textContent) &&
		document.getElementById('finesse-ha-softphone').dataset.phase === 'signed-out' &&
		!document.getElementById('fha-signin').disabled`, 60*time.Second)
	run.shot(tab, "refused-sign-in")
	// The first sign-in loaded the client: the page showed the download's
	// progress (it keeps the last count on the connection line).
	assert.Greater(t, atoi(attr(t, frame, "#fha-connection", "data-loaded")), 1_000_000, "the .wasm's load progress reached the page")
	assert.Eventually(t, func() bool { return pair.A().Metrics().XMPP.Bound == 0 && pair.B().Metrics().XMPP.Bound == 0 },
		5*time.Second, 100*time.Millisecond, "a refused sign-in leaves no session")

	// Sign in as a person: type, click.
	require.NoError(t, chromedp.Run(frame,
		typeInto("#fha-agent-id", agent),
		typeInto("#fha-extension", agent),
		typeInto("#fha-password", pagePassword),
		chromedp.Click("#fha-signin", chromedp.ByQuery),
	))
	// Loading and compiling the wasm dominates; generous for a loaded machine.
	sp("signed in and Not Ready", `document.querySelector('#fha-agent[data-state="NOT_READY"]') &&
		document.querySelector('#fha-connection[data-state="connected"]')`, 60*time.Second)
	assert.Equal(t, "A", attr(t, frame, "#fha-connection", "data-side"), "the client starts on side A")
	u, err := pair.User(agent)
	require.NoError(t, err)
	assert.Equal(t, finesse.StateNotReady, u.State, "the page sent Finesse LOGIN")
	assert.Equal(t, agent, u.Extension)
	assert.Empty(t, textOf(t, frame, errSel))
	sp("reason codes from the server", `document.querySelectorAll('#fha-reason option').length === 4`, 10*time.Second)
	run.shot(tab, "signed-in")

	require.NoError(t, chromedp.Run(frame, chromedp.Click("#fha-ready", chromedp.ByQuery)))
	sp("Ready", `document.querySelector('#fha-agent[data-state="READY"]')`, 10*time.Second)
	assert.Equal(t, "Ready", textOf(t, frame, "#fha-agent"))
	run.shot(tab, "ready")

	// A call with call variables rings; the agent answers it.
	_, err = pair.OfferCall(agent)
	require.NoError(t, err)
	sp("the call rings with its data", `document.querySelector('.fha-call[data-state="ALERTING"] dd[data-var="callVariable1"]')`, 10*time.Second)
	cv1 := textOf(t, frame, `.fha-call dd[data-var="callVariable1"]`)
	require.NotEmpty(t, cv1)
	run.shot(tab, "ringing")
	require.NoError(t, chromedp.Run(frame, chromedp.Click(`.fha-call button[data-action="ANSWER"]`, chromedp.ByQuery)))
	sp("the call is connected", `document.querySelector('.fha-call[data-state="ACTIVE"] button[data-action="HOLD"]')`, 10*time.Second)
	require.NoError(t, chromedp.Run(frame, chromedp.Click(`.fha-call button[data-action="HOLD"]`, chromedp.ByQuery)))
	sp("the call is held", `document.querySelector('.fha-call[data-state="HELD"] button[data-action="RETRIEVE"]')`, 10*time.Second)
	require.NoError(t, chromedp.Run(frame, chromedp.Click(`.fha-call button[data-action="RETRIEVE"]`, chromedp.ByQuery)))
	sp("the call is back", `document.querySelector('.fha-call[data-state="ACTIVE"]')`, 10*time.Second)
	assert.Zero(t, count(t, frame, `.fha-call .fha-restored`), "nothing restored before a failover")
	run.shot(tab, "on-a-call")

	// Side B loses call variables (the connector bug), then side A dies.
	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultNullCallVariables, Side: "B"}))
	watchTexts(t, frame, `document.getElementById('fha-connection')`)
	run.sideDown(pair.A().URL())
	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultKill, Side: "A"}))
	sp("connected on B", `document.querySelector('#fha-connection[data-state="connected"][data-side="B"]')`, 45*time.Second)
	assert.True(t, anyMatch(seenTexts(t, frame), `backup Finesse server|reconnecting`), "the switch was not shown in words: %q", seenTexts(t, frame))
	sp("the call's lost data is marked restored", `document.querySelector('.fha-call dd[data-var="callVariable1"][data-restored="true"]')`, 15*time.Second)
	assert.Contains(t, textOf(t, frame, `.fha-call dd[data-var="callVariable1"]`), cv1, "the value from before the failover")
	assert.Contains(t, textOf(t, frame, "#fha-notice"), "backup")
	assert.Equal(t, "ACTIVE", attr(t, frame, ".fha-call", "data-state"), "the call is still there")
	run.shot(tab, "failed-over-restored")

	require.NoError(t, chromedp.Run(frame, chromedp.Click(`.fha-call button[data-action="DROP"]`, chromedp.ByQuery)))
	sp("the call ended", `document.querySelectorAll('.fha-call').length === 0`, 10*time.Second)

	// Not Ready with a reason chosen from the server's list.
	pick(t, frame, "#fha-reason", "Lunch")
	require.NoError(t, chromedp.Run(frame, chromedp.Click("#fha-notready", chromedp.ByQuery)))
	sp("Not Ready with the reason", `document.querySelector('#fha-agent[data-state="NOT_READY"][data-reason="2"]')`, 10*time.Second)
	assert.Equal(t, "Not Ready — Lunch", textOf(t, frame, "#fha-agent"))
	run.shot(tab, "not-ready-lunch")

	// A bad number is refused on the page, in words.
	require.NoError(t, chromedp.Run(frame, typeInto("#fha-number", "x"), chromedp.Click("#fha-dial button", chromedp.ByQuery)))
	sp("a bad number is shown", `document.getElementById('fha-error').textContent.includes('nothing to dial')`, 5*time.Second)

	// A forced logout: the agent signs in to Finesse again with one click.
	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultForcedLogout, Agent: agent, Duration: time.Millisecond}))
	sp("forced logout shown", `document.querySelector('#fha-agent[data-state="LOGOUT"]') && !document.getElementById('fha-relogin').hidden`, 10*time.Second)
	assert.Equal(t, "Signed out by the server (forced logout)", textOf(t, frame, "#fha-agent"))
	run.shot(tab, "forced-logout")
	require.NoError(t, chromedp.Run(frame, chromedp.Click("#fha-relogin", chromedp.ByQuery)))
	sp("signed in to Finesse again", `document.querySelector('#fha-agent[data-state="NOT_READY"]')`, 10*time.Second)

	// Finesse refuses a call while Ready: the refusal is shown, with its reason.
	require.NoError(t, chromedp.Run(frame, chromedp.Click("#fha-ready", chromedp.ByQuery)))
	sp("Ready", `document.querySelector('#fha-agent[data-state="READY"]')`, 10*time.Second)
	run.expectNetworkError("status of 400 (Bad Request) " + pair.B().URL() + "/finesse/api/User/" + agent + "/Dialogs")
	require.NoError(t, chromedp.Run(frame, typeInto("#fha-number", "+1 (555) 010-0100"), chromedp.Click("#fha-dial button", chromedp.ByQuery)))
	sp("the refusal shown", `/^Call to \+15550100100 failed: Invalid State: .*MAKE_CALL needs NOT_READY.*HTTP 400$/.test(document.getElementById('fha-error').textContent)`, 10*time.Second)
	run.shot(tab, "refused")

	// Sign out: LOGOUT, and the client is closed (no session left on B).
	require.NoError(t, chromedp.Run(frame, chromedp.Click("#fha-signout", chromedp.ByQuery)))
	sp("signed out", `document.getElementById('finesse-ha-softphone').dataset.phase === 'signed-out' &&
		!document.getElementById('fha-login').hidden`, 10*time.Second)
	u, err = pair.User(agent)
	require.NoError(t, err)
	assert.Equal(t, finesse.StateLogout, u.State)
	// As at the last sign-out: the shared client ends one grace period (5 s)
	// after its last page left, which a 5 s wait only just covered.
	assert.Eventually(t, func() bool { return pair.B().Metrics().XMPP.Bound == 0 }, 12*time.Second, 100*time.Millisecond,
		"the client's XMPP session is still bound after sign-out")
	assert.Empty(t, attr(t, frame, "#fha-password", "value"))
	run.shot(tab, "signed-out-again")

	// Signing in again starts one client, not a second one next to a first.
	require.NoError(t, chromedp.Run(frame,
		typeInto("#fha-password", pagePassword),
		chromedp.Click("#fha-signin", chromedp.ByQuery),
	))
	sp("signed in again", `document.querySelector('#fha-connection[data-state="connected"][data-side="B"]') &&
		document.querySelector('#fha-agent[data-state="NOT_READY"]')`, 45*time.Second)
	assert.Empty(t, textOf(t, frame, errSel), "the error of the last session is gone")
	// Two clients of one agent would take the resource from each other in
	// turns (a bind each time); one client binds once and stays.
	binds := pair.B().Metrics().XMPP.Binds
	time.Sleep(2 * time.Second)
	assert.Equal(t, 1, pair.B().Metrics().XMPP.Bound, "one session for one sign-in")
	assert.Equal(t, binds, pair.B().Metrics().XMPP.Binds, "sessions are fighting over the agent's resource")
	require.NoError(t, chromedp.Run(frame, chromedp.Click("#fha-signout", chromedp.ByQuery)))
	// In a worker runtime the shared client ends one grace period (5 s by
	// default) after its last page left, so that a reload keeps it.
	assert.Eventually(t, func() bool { return pair.B().Metrics().XMPP.Bound == 0 }, 12*time.Second, 100*time.Millisecond)

	run.assertClean(pagePassword, []*browserharness.PageServer{crm, phone}, tab, frame)
	run.assertClean(wrong, []*browserharness.PageServer{crm, phone}, tab, frame)
}

// attr returns attribute name of the first element matching sel ("" if none).
func attr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	var s string
	require.NoError(t, browserharness.Eval(ctx, `(() => { const e = document.querySelector(`+quoteJS(sel)+`);
		return e ? (e.getAttribute(`+quoteJS(name)+`) || (`+quoteJS(name)+` === 'value' ? e.value : '')) : ''; })()`, &s))
	return s
}

// count returns how many elements match sel.
func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	var n int
	require.NoError(t, browserharness.Eval(ctx, `document.querySelectorAll(`+quoteJS(sel)+`).length`, &n))
	return n
}

// pick selects the option labelled label in the select sel, as a person
// picking from the list would (the change event fires).
func pick(t *testing.T, ctx context.Context, sel, label string) {
	t.Helper()
	var ok bool
	require.NoError(t, browserharness.Eval(ctx, `(() => {
		const s = document.querySelector(`+quoteJS(sel)+`);
		const o = [...s.options].find((o) => o.textContent.trim() === `+quoteJS(label)+`);
		if (!o) return false;
		s.value = o.value;
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, &ok))
	require.True(t, ok, "no option %q in %s", label, sel)
}

// atoi is s as a number, 0 when it is not one.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
