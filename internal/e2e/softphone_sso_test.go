package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/testkit/browserharness"
)

// TestSoftphoneSSOTokensFromTheCRMPage: an SSO agent's softphone
// (config tokenSource "host") framed by a CRM page of another site that
// gives it tokens over postMessage (testdata/crm-sso-host.js), against the
// simulator in SSO mode with 16 s tokens. The agent types no password;
// while the CRM's IdS is down the page says so; then sign in, Ready; after the first refresh side A dies and the client logs
// in to B with the refreshed token; after the second refresh Not Ready goes
// out with the third. The CRM's source is called once for the first token
// and once per refresh at 75% of the lifetime; no side answers 401; no
// console error or CSP violation; no token in a URL, storage or console.
func TestSoftphoneSSOTokensFromTheCRMPage(t *testing.T) {
	const life = 16 * time.Second
	f := env(t)
	pair := f.newPair(t, sim.Config{SSO: true})
	agent := pair.Agents()[0]
	cfg := func(crmOrigin string) []byte {
		return softphoneConfig(t, pair, "bosh", map[string]any{"tokenSource": "host", "allowedOrigins": []string{crmOrigin}})
	}
	pages := openSoftphone(t, f, pair, cfg, "crm-sso-host.html", "softphone-sso", pair.ControlURL(),
		map[string]string{"TOKEN_URL": pair.ControlURL() + "/control/token?agent=" + agent + "&amp;lifetime=16s"})
	tab, frame, run := pages.tab, pages.frame, pages.run
	const errSel = "#fha-error"
	sp := func(what, expr string, within time.Duration) { waitFor(t, frame, what, expr, errSel, within) }
	calls := func() []float64 {
		var c []float64
		require.NoError(t, browserharness.Eval(tab, `window.crm.calls`, &c))
		return c
	}

	sp("sign-in form ready", `!document.getElementById('fha-signin').disabled`, 20*time.Second)
	var pwHidden bool
	require.NoError(t, browserharness.Eval(frame, `document.getElementById('fha-password').hidden &&
		document.querySelector('label[for="fha-password"]').hidden`, &pwHidden))
	assert.True(t, pwHidden, "the password field is shown to an SSO agent")
	run.shot(tab, "sso-signed-out")

	// The CRM's IdS is down: the agent is told in words, the form is back.
	require.NoError(t, browserharness.Eval(tab, `window.crm.failNext = 1`, nil))
	require.NoError(t, chromedp.Run(frame,
		typeInto("#fha-agent-id", agent),
		typeInto("#fha-extension", agent),
		chromedp.Click("#fha-signin", chromedp.ByQuery),
	))
	sp("no token shown", `document.getElementById('fha-error').textContent.startsWith('Your CRM did not provide a sign-in token (its sign-in service failed)') &&
		document.getElementById('finesse-ha-softphone').dataset.phase === 'signed-out' && !document.getElementById('fha-signin').disabled`, 10*time.Second)
	run.shot(tab, "sso-no-token")
	var hostErrors []string
	require.NoError(t, browserharness.Eval(tab, `window.crm.errors`, &hostErrors))
	assert.Equal(t, []string{"IdS unreachable (idp-secret-5512)"}, hostErrors, "the CRM page hears why, through onTokenError")
	assert.NotContains(t, textOf(t, frame, errSel), "idp-secret")

	// Agent ID and extension only; the CRM gives the token.
	require.NoError(t, chromedp.Run(frame, chromedp.Click("#fha-signin", chromedp.ByQuery)))
	sp("signed in and Not Ready", `document.querySelector('#fha-agent[data-state="NOT_READY"]') &&
		document.querySelector('#fha-connection[data-state="connected"]')`, 60*time.Second)
	t0 := at(calls()[0])
	assert.Equal(t, "A", attr(t, frame, "#fha-connection", "data-side"))
	require.NoError(t, chromedp.Run(frame, chromedp.Click("#fha-ready", chromedp.ByQuery)))
	sp("Ready", `document.querySelector('#fha-agent[data-state="READY"]')`, 10*time.Second)
	run.shot(tab, "sso-ready")

	// After the first refresh (about 12 s), side A dies: the notification
	// login on B takes the refreshed token.
	time.Sleep(time.Until(t0.Add(life*3/4 + 1500*time.Millisecond)))
	require.Len(t, calls(), 2, "the first refresh at 75% of the lifetime")
	run.sideDown(pair.A().URL())
	sideFault(t, pair, sim.FaultKill, "A")
	sp("connected on B", `document.querySelector('#fha-connection[data-state="connected"][data-side="B"]')`, failoverBound)

	// After the second refresh (about 24 s), a REST request with the third token.
	time.Sleep(time.Until(t0.Add(2*life*3/4 + 1500*time.Millisecond)))
	pick(t, frame, "#fha-reason", "Lunch")
	require.NoError(t, chromedp.Run(frame, chromedp.Click("#fha-notready", chromedp.ByQuery)))
	sp("Not Ready with the reason", `document.querySelector('#fha-agent[data-state="NOT_READY"][data-reason="2"]')`, 10*time.Second)
	run.shot(tab, "sso-not-ready-after-refreshes")
	u, err := pair.User(agent)
	require.NoError(t, err)
	assert.Equal(t, finesse.StateNotReady, u.State)

	// Short of the third refresh (about 36 s; a JWT's iat is whole seconds,
	// so a refresh may come up to a second early).
	got := calls()
	require.Len(t, got, 3, "the CRM's token source: the first token, then one call per refresh")
	for k := 1; k < len(got); k++ {
		gap := time.Duration(got[k]-got[k-1]) * time.Millisecond
		t.Logf("getToken call %d: %v after the previous one (lifetime %v)", k+1, gap, life)
		assert.InDelta(t, (life * 3 / 4).Seconds(), gap.Seconds(), 1.5, "refresh %d", k)
	}
	var hostStats struct{ TokenRequests, TokensGiven, TokenFailures, IgnoredOrigin int }
	require.NoError(t, browserharness.Eval(tab, `window.crm.phone.stats()`, &hostStats))
	assert.Equal(t, 4, hostStats.TokenRequests, "the softphone's token requests: the failed one, the first token, two refreshes")
	assert.Equal(t, 3, hostStats.TokensGiven)
	assert.Equal(t, 1, hostStats.TokenFailures, "the one failure the test caused")
	assert.Zero(t, hostStats.IgnoredOrigin, "a message from anything but the softphone reached the CRM page")
	for _, s := range []*sim.Side{pair.A(), pair.B()} {
		assert.Empty(t, s.Metrics().UnauthorizedBy, "side %s answered 401 / not-authorized", s.Name())
	}
	assert.False(t, pair.LockedOut(agent))
	assert.Empty(t, textOf(t, frame, errSel))

	require.NoError(t, chromedp.Run(frame, chromedp.Click("#fha-signout", chromedp.ByQuery)))
	sp("signed out", `document.getElementById('finesse-ha-softphone').dataset.phase === 'signed-out'`, 10*time.Second)
	var tokens []string
	require.NoError(t, browserharness.Eval(tab, `window.crm.tokens`, &tokens))
	require.Len(t, tokens, 3)
	for _, secret := range append(tokens, "idp-secret-5512") {
		run.assertClean(secret, []*browserharness.PageServer{pages.crm, pages.phone}, tab, frame)
	}
}
