package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim"
	"github.com/finesse-ha/finesse-ha/internal/testkit/browserharness"
)

// The pages' tests drive each page as a person would, under the CSP its
// README documents, and watch everything a credential could leak into.

// pagePassword is the agents' password in these tests: distinctive, so a
// search for it in URLs, storage and console output cannot miss.
const pagePassword = "Pw-s3cret-7781"

// sidesCSP is connect-src for the simulator's sides: REST and BOSH over
// http, notifications over ws.
func sidesCSP(pair *sim.Pair) string {
	var out []string
	for _, s := range []*sim.Side{pair.A(), pair.B()} {
		origin := strings.TrimSuffix(s.URL(), "/")
		out = append(out, origin, "ws"+strings.TrimPrefix(origin, "http"))
	}
	return strings.Join(out, " ")
}

// clientSides is the simulator's sides as createClient's options.sides.
func clientSides(pair *sim.Pair) []map[string]string {
	var sides []map[string]string
	for _, s := range pair.State().Sides {
		sides = append(sides, map[string]string{"rest": s.URL, "bosh": s.BOSHURL, "websocket": s.WSURL})
	}
	return sides
}

// pageRun watches one browser session of a page test: console output and
// browser log entries of every target, every URL requested, screenshots.
type pageRun struct {
	t     *testing.T
	shots string

	mu    sync.Mutex
	lines []string
	urls  []string
	step  int
	netOK []string // network errors the test caused on purpose
}

// sideDown says the test killed the side at origin: the browser logs each
// refused request to it as a network error, which is the fault, not a bug
// of the page.
func (r *pageRun) sideDown(origin string) {
	r.expectNetworkError("net::ERR_CONNECTION_REFUSED " + strings.TrimSuffix(origin, "/") + "/")
}

// expectNetworkError says the test provokes browser log lines containing
// what (the browser logs every refused connection and every 4xx answer to
// a fetch as an error; a request Finesse refuses on purpose is one).
func (r *pageRun) expectNetworkError(what string) {
	r.mu.Lock()
	r.netOK = append(r.netOK, what)
	r.mu.Unlock()
}

// expected reports a console line that is not the page's doing.
func (r *pageRun) expected(line string) bool {
	if !strings.Contains(line, "log.error (network)") {
		return false
	}
	if strings.Contains(line, "/favicon.ico") {
		return true // the browser's own request for the tab icon
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, what := range r.netOK {
		if strings.Contains(line, what) {
			return true
		}
	}
	return false
}

// newPageRun makes the screenshot directory (named in the log, kept after
// the test so a person can look) and starts watching ctx's target.
func newPageRun(t *testing.T, ctx context.Context, name string) *pageRun {
	dir := os.Getenv("FINESSE_HA_ARTIFACTS")
	var err error
	if dir != "" {
		dir = filepath.Join(dir, name)
		err = os.MkdirAll(dir, 0o755)
	} else {
		dir, err = os.MkdirTemp("", "finesse-ha-"+name+"-")
	}
	require.NoError(t, err)
	t.Logf("screenshots of each step: %s", dir)
	r := &pageRun{t: t, shots: dir}
	r.watch(ctx)
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range r.console() {
				t.Log("browser: " + l)
			}
		}
	})
	return r
}

// watch collects ctx's target's console, log entries and request URLs.
func (r *pageRun) watch(ctx context.Context) {
	browserharness.ListenConsole(ctx, func(line string) {
		r.mu.Lock()
		r.lines = append(r.lines, line)
		r.mu.Unlock()
	})
	chromedp.ListenTarget(ctx, func(ev any) {
		var u string
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			u = ev.Request.URL + ev.Request.URLFragment
		case *network.EventWebSocketCreated:
			u = ev.URL
		default:
			return
		}
		r.mu.Lock()
		r.urls = append(r.urls, u)
		r.mu.Unlock()
	})
}

func (r *pageRun) console() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

// shot saves a screenshot of the tab as the next numbered step.
func (r *pageRun) shot(ctx context.Context, what string) {
	r.t.Helper()
	r.mu.Lock()
	r.step++
	path := filepath.Join(r.shots, fmt.Sprintf("%02d-%s.png", r.step, what))
	r.mu.Unlock()
	var png []byte
	require.NoError(r.t, chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)))
	require.NoError(r.t, os.WriteFile(path, png, 0o644))
}

// waitFor polls a JS expression in ctx until it is truthy; on timeout it
// fails with what the page shows (expr's last value, the page's error line).
func waitFor(t *testing.T, ctx context.Context, what, expr, errorSel string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var ok bool
		require.NoError(t, browserharness.Eval(ctx, "!!("+expr+")", &ok))
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var shown string
			_ = browserharness.Eval(ctx, `(document.querySelector(`+quoteJS(errorSel)+`) || {}).textContent || ''`, &shown)
			t.Fatalf("%s: not within %v (page says %q)", what, within, shown)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

func quoteJS(s string) string { return fmt.Sprintf("%q", s) }

// watchTexts records every text the element el (a JS expression) shows
// from now on: a state that lasts less than a poll would otherwise be
// missed. seenTexts reads them back.
func watchTexts(t *testing.T, ctx context.Context, el string) {
	t.Helper()
	require.NoError(t, browserharness.Eval(ctx, `(() => {
		const node = `+el+`;
		window.__fhaSeen = [node.textContent];
		new MutationObserver(() => window.__fhaSeen.push(node.textContent)).observe(node, {childList: true, characterData: true, subtree: true});
		return true;
	})()`, nil))
}

func seenTexts(t *testing.T, ctx context.Context) []string {
	t.Helper()
	var seen []string
	require.NoError(t, browserharness.Eval(ctx, `window.__fhaSeen || []`, &seen))
	return seen
}

// textOf returns the trimmed text of the first element matching sel.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	require.NoError(t, browserharness.Eval(ctx, `((document.querySelector(`+quoteJS(sel)+`) || {}).textContent || '').trim()`, &s))
	return s
}

// typeInto empties the input sel, as select-all and delete would, and
// types text into it keystroke by keystroke.
func typeInto(sel, text string) chromedp.Action {
	return chromedp.Tasks{
		chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector(`+quoteJS(sel)+`).value = ''`, nil),
		chromedp.SendKeys(sel, text, chromedp.ByQuery),
	}
}

// leakJS gathers every place a page could keep a credential: its URL,
// history.state, both storages, cookies.
const leakJS = `(() => {
	const dump = (s) => { const o = {}; for (let i = 0; i < s.length; i++) o[s.key(i)] = s.getItem(s.key(i)); return o; };
	let local = {}, session = {};
	try { local = dump(localStorage); session = dump(sessionStorage); } catch (e) { local = {error: String(e)}; }
	return JSON.stringify({url: location.href, history: history.state, historyLength: history.length,
		local, session, cookie: document.cookie});
})()`

// assertClean checks what every page test promises: no console error,
// no CSP violation (reported to the servers or logged), and the secret in
// no URL requested, no page URL, history.state, storage or console line.
// frames are the contexts of every document of the run.
func (r *pageRun) assertClean(secret string, servers []*browserharness.PageServer, frames ...context.Context) {
	t := r.t
	t.Helper()
	// Give the browser a moment to post violation reports.
	time.Sleep(300 * time.Millisecond)
	for _, s := range servers {
		assert.Empty(t, s.Violations(), "CSP violations reported to %s", s.URL)
	}
	for _, l := range r.console() {
		assert.NotContains(t, l, secret, "the password in the console")
		if r.expected(l) {
			continue
		}
		if strings.HasPrefix(l, "console.error") || strings.HasPrefix(l, "uncaught") || strings.HasPrefix(l, "log.error") {
			t.Errorf("console error: %s", l)
		}
		if strings.Contains(l, "Content Security Policy") || strings.Contains(l, "Content-Security-Policy") {
			t.Errorf("CSP violation: %s", l)
		}
	}
	r.mu.Lock()
	urls := append([]string(nil), r.urls...)
	r.mu.Unlock()
	assert.NotEmpty(t, urls, "no request seen: the URL check would prove nothing")
	for _, u := range urls {
		assert.NotContains(t, u, secret, "the password in a requested URL")
	}
	for _, f := range frames {
		var dump string
		require.NoError(t, browserharness.Eval(f, leakJS, &dump))
		assert.NotContains(t, dump, secret, "the password in the page's URL, history or storage: %s", dump)
	}
}
