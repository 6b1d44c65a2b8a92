package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
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

var gadgetContent = regexp.MustCompile(`(?s)<Content type="html">\s*<!\[CDATA\[(.*)\]\]>\s*</Content>`)

// gadgetPage writes the HTML of gadget/finesse-ha.xml's Content into dir as
// gadget.html: what the gadget container renders in the gadget's iframe.
func gadgetPage(t *testing.T, root, dir string) {
	xml, err := os.ReadFile(filepath.Join(root, "gadget", "finesse-ha.xml"))
	require.NoError(t, err)
	m := gadgetContent.FindSubmatch(xml)
	require.NotNil(t, m, "finesse-ha.xml has no HTML Content")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "gadget.html"), m[1], 0o644))
}

// TestGadgetInDesktopStandInUnderCSP runs gadget/finesse-ha.xml in a
// stand-in of the Finesse desktop (testdata/desktop: the desktop owns the
// session and fails over; the gadget follows it through stand-ins of
// gadgets.Hub and finesse.js fed by Finesse REST), under a CSP without
// 'unsafe-inline': the agent signs in on the desktop, goes Ready, a call
// with call data arrives, side A dies, the gadget shows the switch in
// words and the call data the new side lost as restored, Not Ready with a
// reason, sign out.
func TestGadgetInDesktopStandInUnderCSP(t *testing.T) {
	f := env(t)
	root := moduleRoot(t)
	pair := f.newPair(t, sim.Config{Password: pagePassword})
	agent := pair.Agents()[0]
	content := t.TempDir()
	gadgetPage(t, root, content)
	cfg, err := json.Marshal(map[string]any{
		"sides": clientSides(pair), "transport": "websocket", "policy": map[string]any{"jitterMs": 300},
		"host": pair.A().Host(), "gadgetURL": "/3rdpartygadget/files/finesse-ha/gadget.html",
	})
	require.NoError(t, err)
	desk := filepath.Join(root, "internal", "e2e", "testdata", "desktop")
	pages, err := browserharness.StartPageServer(browserharness.PageConfig{
		Static: []sim.StaticDir{
			{Prefix: "/desktop/assets/js/", Dir: filepath.Join(desk, "assets")},
			{Prefix: "/desktop/", Dir: desk},
			{Prefix: "/finesse-ha/", Dir: filepath.Join(root, "web")},
			{Prefix: "/finesse-ha/", Dir: filepath.Join(f.tmp, "dist")},
			{Prefix: "/3rdpartygadget/files/finesse-ha/", Dir: content},
			{Prefix: "/3rdpartygadget/files/finesse-ha/", Dir: filepath.Join(root, "gadget")},
		},
		// The gadget itself needs script-src 'self' only; 'wasm-unsafe-eval'
		// is for the stand-in desktop's own session.
		CSP: "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' " + sidesCSP(pair) + "; worker-src 'self'",
		Rewrite: func(p string, body []byte) []byte {
			if p != "/desktop/index.html" && p != "/desktop/" {
				return body
			}
			return []byte(strings.Replace(string(body), "DESKTOP_CONFIG", string(cfg), 1))
		},
	})
	require.NoError(t, err)
	t.Cleanup(func() { pages.Close() })

	tab := f.tab(t, 150*time.Second)
	run := newPageRun(t, tab, "gadget")
	require.NoError(t, chromedp.Run(tab, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(pages.URL+"/desktop/")))
	const errSel = "#desk-error"
	wait := func(what, expr string, within time.Duration) { waitFor(t, tab, what, expr, errSel, within) }
	// g finds an element in the gadget's iframe (same origin as the desktop).
	g := func(sel string) string {
		return `(document.getElementById('gadget').contentDocument || document).querySelector(` + quoteJS(sel) + `)`
	}
	gText := func(sel string) string {
		t.Helper()
		var s string
		require.NoError(t, browserharness.Eval(tab, `((`+g(sel)+` || {}).textContent || '').trim()`, &s))
		return s
	}

	wait("desktop sign-in ready", `!document.getElementById('desk-signin').disabled`, 20*time.Second)
	require.NoError(t, chromedp.Run(tab,
		typeInto("#desk-agent", agent),
		typeInto("#desk-password", pagePassword),
		typeInto("#desk-extension", agent),
		chromedp.Click("#desk-signin", chromedp.ByQuery),
	))
	wait("the gadget follows the desktop", g(`#fha-connection[data-state="connected"]`)+` && `+g(`#fha-agent[data-state="NOT_READY"]`), 60*time.Second)
	assert.Equal(t, "Connected", gText("#fha-connection"))
	assert.Equal(t, "Not Ready", gText("#fha-agent"))
	run.shot(tab, "signed-in")

	require.NoError(t, chromedp.Run(tab, chromedp.Click("#desk-ready", chromedp.ByQuery)))
	wait("Ready in the gadget", g(`#fha-agent[data-state="READY"]`), 10*time.Second)
	_, err = pair.OfferCall(agent)
	require.NoError(t, err)
	wait("the call with its data", g(`.fha-call dd[data-var="callVariable1"]`), 10*time.Second)
	cv1 := gText(`.fha-call dd[data-var="callVariable1"]`)
	require.NotEmpty(t, cv1)
	assert.Equal(t, "false", attrIn(t, tab, g(`.fha-call dd[data-var="callVariable1"]`), "data-restored"))
	run.shot(tab, "call")

	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultNullCallVariables, Side: "B"}))
	watchTexts(t, tab, g("#fha-connection"))
	run.sideDown(pair.A().URL())
	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultKill, Side: "A"}))
	wait("the desktop left side A", `window.__fhaSeen.length > 1`, 20*time.Second)
	wait("connected again", g(`#fha-connection[data-state="connected"]`), 45*time.Second)
	assert.True(t, anyMatch(seenTexts(t, tab), `backup Finesse server|reconnecting`), "the switch was not shown in words: %q", seenTexts(t, tab))
	wait("the lost call data restored and marked", g(`.fha-call dd[data-var="callVariable1"][data-restored="true"]`), 15*time.Second)
	assert.Equal(t, cv1+" ★", gText(`.fha-call dd[data-var="callVariable1"]`))
	assert.Contains(t, gText(".fha-call"), "Call data kept from before the server switch")
	run.shot(tab, "restored")

	require.NoError(t, pair.Apply(sim.Fault{Name: sim.FaultNullCallVariables, Side: "B", Clear: true}))
	ds, err := pair.Dialogs(agent)
	require.NoError(t, err)
	require.Len(t, ds.Dialogs, 1)
	require.NoError(t, chromedp.Run(tab, chromedp.Evaluate(`window.finesseDesktop.makeRequest('/finesse/api/Dialog/`+ds.Dialogs[0].ID+`', () => {},
		{METHOD: 'PUT', POST_DATA: '<Dialog><requestedAction>DROP</requestedAction></Dialog>'})`, nil)))
	wait("the call ended", g(`.fha-call`)+` === null`, 10*time.Second)
	pick(t, tab, "#desk-reason", "Lunch")
	require.NoError(t, chromedp.Run(tab, chromedp.Click("#desk-notready", chromedp.ByQuery)))
	wait("Not Ready with the reason", g(`#fha-agent[data-state="NOT_READY"][data-reason="2"]`), 10*time.Second)
	assert.Equal(t, "Not Ready — Lunch", gText("#fha-agent"))
	run.shot(tab, "not-ready")

	require.NoError(t, chromedp.Run(tab, chromedp.Click("#desk-signout", chromedp.ByQuery)))
	wait("signed out in the gadget", g(`#fha-connection[data-state="closed"]`)+` && `+g(`#fha-agent[data-state="LOGOUT"]`), 10*time.Second)
	u, err := pair.User(agent)
	require.NoError(t, err)
	assert.Equal(t, finesse.StateLogout, u.State)
	run.shot(tab, "signed-out")
	run.assertClean(pagePassword, []*browserharness.PageServer{pages}, tab)
}

// attrIn returns attribute name of the element expression el evaluates to.
func attrIn(t *testing.T, ctx context.Context, el, name string) string {
	t.Helper()
	var s string
	require.NoError(t, browserharness.Eval(ctx, `((`+el+`) || {getAttribute: () => ''}).getAttribute(`+quoteJS(name)+`) || ''`, &s))
	return s
}

// anyMatch reports whether a text matches the regular expression re.
func anyMatch(texts []string, re string) bool {
	r := regexp.MustCompile(re)
	for _, s := range texts {
		if r.MatchString(s) {
			return true
		}
	}
	return false
}
