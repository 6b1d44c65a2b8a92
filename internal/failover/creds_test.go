package failover

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// tokenIssuer is an SSO token source on the virtual clock: each token is a
// JWT with iat = now and exp = now + lifetime. fail decides, per call
// (1-based), whether that call fails ("error"), hangs until its context
// ends ("slow") or succeeds ("").
type tokenIssuer struct {
	h        *harness
	lifetime time.Duration
	fail     func(n int) string

	mu    sync.Mutex
	calls []time.Time
	n     int
}

func (ti *tokenIssuer) mint(now time.Time) string {
	ti.n++
	return testJWT(fmt.Sprintf(`{"sub":"1001001","n":%d,"iat":%d,"exp":%d}`, ti.n, now.Unix(), now.Add(ti.lifetime).Unix()))
}

func (ti *tokenIssuer) get(ctx context.Context) (string, error) {
	ti.mu.Lock()
	now := ti.h.clk.Now()
	ti.calls = append(ti.calls, now)
	n := len(ti.calls)
	mode := ""
	if ti.fail != nil {
		mode = ti.fail(n)
	}
	ti.mu.Unlock()
	switch mode {
	case "error":
		return "", errors.New("IdS unreachable")
	case "slow":
		return "", ti.h.park(ctx)
	}
	ti.mu.Lock()
	defer ti.mu.Unlock()
	return ti.mint(now), nil
}

func (ti *tokenIssuer) callTimes() []time.Duration {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	var out []time.Duration
	for _, c := range ti.calls {
		out = append(out, c.Sub(t0))
	}
	return out
}

// withTokens starts the engine with a token of the issuer and the issuer
// as its GetToken.
func withTokens(ti *tokenIssuer) harnessOpt {
	return func(c *Config) {
		c.Auth = finesse.Auth{Token: ti.mint(t0)}
		c.GetToken = ti.get
	}
}

func newTokenHarness(t *testing.T, seed uint64, lifetime time.Duration, fail func(int) string, opts ...harnessOpt) (*harness, *tokenIssuer) {
	ti := &tokenIssuer{lifetime: lifetime, fail: fail}
	h := newHarness(t, seed, append([]harnessOpt{withTokens(ti)}, opts...)...)
	ti.h = h
	return h, ti
}

// requireLockoutSafe checks the invariant: no credential got more than one
// 401 from a side, and no expired token was ever sent.
func (h *harness) requireLockoutSafe() {
	h.t.Helper()
	for _, f := range h.sides {
		f.with(func() {
			for sec, n := range f.got401 {
				assert.LessOrEqual(h.t, n, 1, "side %s gave %d 401s to credential %.12s...", f.name, n, sec)
			}
			assert.Zero(h.t, f.sentExpired, "side %s was sent an expired token", f.name)
		})
	}
}

func (h *harness) total401() int {
	n := 0
	for _, f := range h.sides {
		f.with(func() {
			for _, c := range f.got401 {
				n += c
			}
		})
	}
	return n
}

// S21: short SSO tokens over several lifetimes, A dies in the middle of
// one: GetToken is called once per lifetime at 75% of it, the client ends
// on B with a live token, and no side is sent an expired token or answers
// 401.
func TestS21_TokensOverSeveralLifetimes(t *testing.T) {
	const life = 30 * time.Second
	h, ti := newTokenHarness(t, 21, life, nil)
	h.start("A")
	h.run(45*time.Second - time.Second) // t0+45 s: in the middle of the second token's life
	h.A.kill()
	took, ok := h.runUntil(10*time.Second, h.connectedTo("B"))
	require.True(t, ok, "never on B: %v", connTrail(h.eventsSince(0)))
	assert.LessOrEqual(t, took, 5*time.Second)
	h.run(120*time.Second - h.now().Sub(t0))

	calls := ti.callTimes()
	require.Len(t, calls, 5, "one refresh per lifetime over 120 s: %v", calls)
	// Each token is refreshed at 75% of its own life, counted from its iat
	// (whole seconds in a JWT, hence the 1 s tolerance).
	prev := time.Duration(0)
	for k, at := range calls {
		assert.InDelta(t, (life * 3 / 4).Seconds(), (at - prev).Seconds(), 1, "refresh %d at %v, %v after the token it replaces", k+1, at, at-prev)
		prev = at
	}
	h.requireConnected("B")
	h.requireLockoutSafe()
	assert.Zero(t, h.total401(), "a live token is never refused")
	// The last login on B used a token that was live when it was sent.
	eps := h.B.endpoints
	require.NotEmpty(t, eps)
	for _, ep := range eps {
		assert.True(t, strings.Count(ep.Password, ".") == 2, "B's login carried the token")
	}
	h.requireNoSecrets()
}

// A failing and a slow GetToken are reported with a stable code and asked
// again on the poll schedule; the expired token is not sent meanwhile: a
// recovery that needs it waits in unauthorized (token-expired), and the
// page's request waits for the fresh token.
func TestTokenRefreshFailureAndRetry(t *testing.T) {
	const life = 30 * time.Second
	h, ti := newTokenHarness(t, 211, life, func(n int) string {
		switch n {
		case 1:
			return "slow"
		case 2:
			return "error"
		}
		return ""
	})
	h.start("A")
	h.run(36 * time.Second) // 22.5 s: slow call, times out at 32.5 s; the token expired at 30 s
	errs := errorEvents(h.eventsSince(0))
	require.Len(t, errs, 1, "%v", errs)
	assert.Equal(t, ErrCodeTokenRefresh, errs[0].Code)
	assert.Contains(t, errs[0].Message, "did not answer")
	h.requireConnected("A") // the session itself needs no token

	m := h.mark()
	h.A.dropSessions("restart") // a recovery now would need the expired token
	h.run(time.Second)
	c := h.e.Snapshot().Connection
	assert.Equal(t, StateUnauthorized, c.State)
	assert.Equal(t, ReasonTokenExpired, c.Reason)
	p := h.e.submit("GET", "/finesse/api/User/1001001", nil)

	h.run(30 * time.Second)
	calls := ti.callTimes()
	require.Len(t, calls, 3, "%v", calls)
	assert.InDelta(t, 22.5, calls[0].Seconds(), 0.5)
	for k := 1; k < len(calls); k++ {
		assert.GreaterOrEqual(t, calls[k]-calls[k-1], h.e.pol.PollInterval, "retried on the poll schedule")
	}
	errs = errorEvents(h.eventsSince(m))
	require.Len(t, errs, 1)
	assert.Equal(t, ErrCodeTokenRefresh, errs[0].Code)
	h.requireConnected("A")
	h.requireDone(p)
	require.NoError(t, p.err, "the waiting request went out with the fresh token")
	h.requireLockoutSafe()
	assert.Equal(t, []string{"reconnecting/A", "unauthorized/A", "reconnecting/A", "connected/A"}, connTrail(h.eventsSince(m)))
	h.requireNoSecrets()
}

// A token whose lifetime cannot be read (opaque, or a JWT without exp) is
// refreshed only when it is refused, once: the first 401 asks for a fresh
// one; the other side's 401 for the same token does not ask again.
func TestOpaqueTokenRefreshedOnFirst401Only(t *testing.T) {
	var calls int
	var mu sync.Mutex
	h := newHarness(t, 212, func(c *Config) {
		c.Auth = finesse.Auth{Token: testJWT(`{"sub":"1001001"}`)} // unsigned, no exp
		c.GetToken = func(context.Context) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			return fmt.Sprintf("opaque-%d", calls), nil
		}
	})
	old := testJWT(`{"sub":"1001001"}`)
	h.start("A")
	h.run(10 * time.Minute)
	mu.Lock()
	assert.Zero(t, calls, "no lifetime, no scheduled refresh")
	mu.Unlock()

	for _, f := range h.sides {
		f.with(func() { f.refuse[old] = true })
	}
	h.A.dropSessions("restart") // the next login is refused on both sides
	h.run(time.Minute)
	mu.Lock()
	assert.Equal(t, 1, calls, "asked once for the refused token")
	mu.Unlock()
	h.requireConnected("A")
	assert.Equal(t, "opaque-1", h.A.endpoints[len(h.A.endpoints)-1].Password)
	h.requireLockoutSafe()
	h.requireNoSecrets()
}

// GetToken is never called twice within 10 s, even when 401s ask sooner.
func TestGetTokenSpacing(t *testing.T) {
	var calls []time.Time
	var mu sync.Mutex
	n := 0
	h := newHarness(t, 213, func(c *Config) {
		c.Auth = finesse.Auth{Token: "opaque-0"}
		c.Policy.PollInterval = 2 * time.Second
	})
	h.e.cfg.GetToken = func(context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, h.clk.Now())
		n++
		return fmt.Sprintf("opaque-%d", n), nil
	}
	for _, f := range h.sides {
		f.with(func() {
			for k := range 10 {
				f.refuse[fmt.Sprintf("opaque-%d", k)] = true
			}
		})
	}
	h.e.Start()
	h.run(2 * time.Minute)
	mu.Lock()
	defer mu.Unlock()
	require.GreaterOrEqual(t, len(calls), 3)
	for k := 1; k < len(calls); k++ {
		assert.GreaterOrEqual(t, calls[k].Sub(calls[k-1]), 10*time.Second)
	}
	h.requireLockoutSafe()
}

// S22: B refuses the password while A is down; when A comes back the client
// goes back to A, B is never asked again with that password, and after
// SetAuth B may be tried again.
func TestS22_RefusedOnBThenBackOnA(t *testing.T) {
	h := newHarness(t, 22)
	h.start("A")
	h.B.with(func() { h.B.refuse[testPassword] = true })
	m := h.mark()
	h.A.kill()
	h.run(20 * time.Second)
	c := h.e.Snapshot().Connection
	require.Equal(t, StateUnauthorized, c.State)
	assert.Equal(t, []string{"B"}, c.Refused)
	bSent := len(h.B.sent)

	h.A.revive()
	took, ok := h.runUntil(time.Minute, h.connectedTo("A"))
	require.True(t, ok, "%v", connTrail(h.eventsSince(m)))
	assert.LessOrEqual(t, took, h.e.pol.PollInterval+h.e.pol.Jitter+time.Second)
	h.run(5 * time.Minute)
	assert.Equal(t, bSent, len(h.B.sent), "B never asked again with the refused password")
	h.B.with(func() { assert.Equal(t, 1, h.B.got401[testPassword]) })

	// New credentials: B may be tried with them.
	const fresh = "n3w-Pa55word"
	require.NoError(t, h.e.SetAuth(finesse.Auth{Username: h.agentID, Password: fresh}))
	h.run(time.Second)
	h.A.kill()
	_, ok = h.runUntil(time.Minute, h.connectedTo("B"))
	require.True(t, ok, "%v", connTrail(h.eventsSince(m)))
	h.B.with(func() { assert.Contains(t, h.B.sent, "User:"+fresh) })
	h.requireLockoutSafe()
	h.requireNoSecrets()
}

// SetAuth while connected: the next request and the next login use the new
// credential, a request already in flight keeps the old one.
func TestSetAuthWhileConnected(t *testing.T) {
	h := newHarness(t, 23)
	h.start("A")
	h.A.with(func() { h.A.latency = 2 * time.Second })
	inFlight := h.e.submit("GET", "/finesse/api/User/1001001", nil)
	h.run(100 * time.Millisecond)
	const fresh = "n3w-Pa55word"
	require.NoError(t, h.e.SetAuth(finesse.Auth{Username: h.agentID, Password: fresh}))
	next := h.e.submit("GET", "/finesse/api/User/1001001", nil)
	h.run(5 * time.Second)
	h.requireDone(inFlight)
	h.requireDone(next)
	h.A.with(func() {
		n := len(h.A.sent)
		assert.Equal(t, []string{"Do GET:" + testPassword, "Do GET:" + fresh}, h.A.sent[n-2:])
	})
	h.A.with(func() { h.A.latency = 0 })
	h.A.dropSessions("restart")
	h.run(10 * time.Second)
	h.requireConnected("A")
	assert.Equal(t, fresh, h.A.endpoints[len(h.A.endpoints)-1].Password, "the next login uses the new password")
	h.requireNoSecrets()
}

func TestSetAuthRejectsBadInput(t *testing.T) {
	h := newHarness(t, 24)
	for _, tt := range []struct {
		a     finesse.Auth
		field string
	}{
		{finesse.Auth{}, "no credentials"},
		{finesse.Auth{Username: "1001001"}, "password"},
		{finesse.Auth{Password: "x-secret-1"}, "username"},
		{finesse.Auth{Token: "two words-secret"}, "token"},
		{finesse.Auth{Token: "t-secret", Password: "p-secret"}, "not both"},
		{finesse.Auth{Username: "a:b", Password: "p-secret"}, "username"},
		{finesse.Auth{Username: "1001001", Password: "p\x00secret"}, "password"},
	} {
		err := h.e.SetAuth(tt.a)
		require.ErrorIs(t, err, ErrBadAuth)
		assert.Contains(t, err.Error(), tt.field)
		for _, sec := range []string{tt.a.Password, tt.a.Token} {
			if sec != "" {
				assert.NotContains(t, err.Error(), sec)
			}
		}
	}
	_, err := New(Config{AgentID: "1", Sides: h.e.cfg.Sides, Clock: h.clk, Auth: finesse.Auth{Username: "1"}})
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Auth", ce.Field)
}

// With no side left that has not refused the password, the engine waits
// without any I/O, a page request fails at once, and Close ends it.
func TestAllSidesRefusedWaitsUntilClose(t *testing.T) {
	h := newHarness(t, 25)
	for _, f := range h.sides {
		f.with(func() { f.refuse[testPassword] = true })
	}
	h.e.Start()
	h.run(time.Minute)
	c := h.e.Snapshot().Connection
	require.Equal(t, StateUnauthorized, c.State)
	assert.ElementsMatch(t, []string{"A", "B"}, c.Refused)
	sent := len(h.A.sent) + len(h.B.sent)
	h.run(30 * time.Minute)
	assert.Equal(t, sent, len(h.A.sent)+len(h.B.sent))
	_, err := h.e.Request(t.Context(), "GET", "/finesse/api/User/1001001", nil)
	require.ErrorIs(t, err, ErrUnauthorized)
	h.requireLockoutSafe()
	h.e.Close()
	h.run(time.Second)
	assert.Equal(t, StateClosed, h.e.Snapshot().Connection.State)
}

// The lock-out invariant under random faults, refusals and new passwords:
// no side ever answers one credential with more than one 401.
func TestLockoutSafetyUnderRandomFaults(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			h := newHarness(t, seed)
			r := rand.New(rand.NewPCG(seed, 7))
			passwords := []string{testPassword}
			h.e.Start()
			for step := 0; step < 40; step++ {
				f := h.sides[r.IntN(2)]
				switch r.IntN(6) {
				case 0:
					f.kill()
				case 1:
					f.revive()
				case 2:
					pw := passwords[r.IntN(len(passwords))]
					f.with(func() { f.refuse[pw] = true; f.sysInfoChecksAuth = r.IntN(2) == 0 })
				case 3:
					f.with(func() { clear(f.refuse) })
				case 4:
					pw := fmt.Sprintf("pw-%d-%d", seed, step)
					passwords = append(passwords, pw)
					require.NoError(t, h.e.SetAuth(finesse.Auth{Username: h.agentID, Password: pw}))
				case 5:
					h.e.submit("GET", "/finesse/api/User/1001001", nil)
				}
				h.run(time.Duration(r.IntN(20000)) * time.Millisecond)
			}
			h.requireLockoutSafe()
			h.requireNoSecrets()
		})
	}
}

// Credentials that arrive while the engine runs (SetAuth, GetToken) are
// scrubbed like the first ones, in every form: as given, base64, Basic and
// SASL PLAIN, from events, history, the snapshot and request errors.
func TestScrubsCredentialsFromSetAuthAndGetToken(t *testing.T) {
	const fromSetAuth, fromGetToken = "setauth-Tok3n-value", "gettoken-Tok3n-value"
	h := newHarness(t, 26, func(c *Config) {
		c.GetToken = func(context.Context) (string, error) { return fromGetToken, nil }
	})
	for _, f := range h.sides {
		f.with(func() {
			f.refuse[fromSetAuth] = true
			f.refuse[fromGetToken] = true
		})
	}
	h.start("A")
	require.NoError(t, h.e.SetAuth(finesse.Auth{Token: fromSetAuth}))
	p := h.e.submit("GET", "/finesse/api/User/1001001", nil) // refused: asks GetToken once
	h.run(time.Minute)
	h.requireDone(p)
	require.Error(t, p.err)
	h.A.with(func() { assert.Equal(t, 1, h.A.got401[fromGetToken], "the token from GetToken was sent and refused") })

	blob, err := json.Marshal(struct {
		Events  []Event
		History []HistoryEntry
		Snap    Snapshot
		Err     string
	}{h.eventsSince(0), h.e.History(), h.e.Snapshot(), p.err.Error()})
	require.NoError(t, err)
	enc := base64.StdEncoding.EncodeToString
	for _, sec := range []string{fromSetAuth, fromGetToken, testPassword} {
		for _, form := range []string{sec, enc([]byte(sec)), enc([]byte(h.agentID + ":" + sec)), enc([]byte("\x00" + h.agentID + "\x00" + sec))} {
			assert.NotContains(t, string(blob), form)
		}
	}
	assert.Contains(t, string(blob), redacted, "the echoed credentials were there to scrub")
}

// Without a token source an expired token is reported once, at its exp;
// it is not sent, the session that is up stays up, and SetAuth brings the
// client back when a recovery needed a login meanwhile.
func TestExpiredTokenWithoutGetTokenWaitsForSetAuth(t *testing.T) {
	tok := testJWT(fmt.Sprintf(`{"iat":%d,"exp":%d}`, t0.Unix(), t0.Add(time.Minute).Unix()))
	h := newHarness(t, 27, func(c *Config) { c.Auth = finesse.Auth{Token: tok} })
	h.start("A")
	h.run(2 * time.Minute)
	errs := errorEvents(h.eventsSince(0))
	require.Len(t, errs, 1)
	assert.Equal(t, ErrCodeTokenExpired, errs[0].Code)
	h.requireConnected("A")

	h.A.kill()
	h.run(10 * time.Second)
	c := h.e.Snapshot().Connection
	assert.Equal(t, StateUnauthorized, c.State)
	assert.Equal(t, ReasonTokenExpired, c.Reason)
	_, err := h.e.Request(t.Context(), "GET", "/finesse/api/User/1001001", nil)
	require.ErrorIs(t, err, ErrUnauthorized, "without a token source only the page can help: fail at once")

	fresh := testJWT(fmt.Sprintf(`{"iat":%d,"exp":%d}`, h.now().Unix(), h.now().Add(time.Hour).Unix()))
	require.NoError(t, h.e.SetAuth(finesse.Auth{Token: fresh}))
	_, ok := h.runUntil(10*time.Second, h.connectedTo("B"))
	require.True(t, ok, "%v", connTrail(h.eventsSince(0)))
	h.requireLockoutSafe()
	assert.Len(t, errorEvents(h.eventsSince(0)), 1, "reported once")
}

// A token whose iat lies ahead of our clock (the token server's clock runs
// ahead) is treated as expiring a lifetime after we got it, not at its exp
// read on our clock, so it is never sent after it expired on the server.
func TestTokenLifetimeCountsFromArrivalWhenClocksDiffer(t *testing.T) {
	now := t0
	skewed := testJWT(fmt.Sprintf(`{"iat":%d,"exp":%d}`, now.Add(5*time.Minute).Unix(), now.Add(5*time.Minute+time.Hour).Unix()))
	c := newCredential(finesse.Auth{Token: skewed}, 1, now)
	assert.Equal(t, now.Add(time.Hour), c.exp)
	assert.Equal(t, now.Add(45*time.Minute), c.refreshAt())

	old := testJWT(fmt.Sprintf(`{"iat":%d,"exp":%d}`, now.Add(-50*time.Minute).Unix(), now.Add(10*time.Minute).Unix()))
	c = newCredential(finesse.Auth{Token: old}, 2, now)
	assert.Equal(t, now.Add(10*time.Minute), c.exp, "a token issued long ago keeps its exp")
	assert.Equal(t, now.Add(-5*time.Minute), c.refreshAt(), "and is due for refresh at once")
}

// A token source that answers with something unusable (white space in it,
// or a token already past its exp) is a failed refresh: reported without
// the value, the old token is kept, and it is asked again later.
func TestGetTokenUnusableAnswers(t *testing.T) {
	answers := []string{"two words-secret", testJWT(fmt.Sprintf(`{"exp":%d}`, t0.Unix()))}
	var mu sync.Mutex
	n := 0
	h := newHarness(t, 28, func(c *Config) {
		c.Auth = finesse.Auth{Token: "opaque-live"}
		c.GetToken = func(context.Context) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			n++
			if n <= len(answers) {
				return answers[n-1], nil
			}
			return "opaque-fresh", nil
		}
	})
	h.A.with(func() { h.A.refuse["opaque-live"] = true })
	h.start("B") // A refused the first token at once; B takes it
	h.run(time.Minute)
	errs := errorEvents(h.eventsSince(0))
	var msgs []string
	for _, e := range errs {
		if e.Code == ErrCodeTokenRefresh {
			msgs = append(msgs, e.Message)
		}
	}
	require.Len(t, msgs, 2, "%v", errs)
	assert.Contains(t, msgs[0], "no usable token")
	assert.Contains(t, msgs[1], "already expired")
	assert.NotContains(t, strings.Join(msgs, " "), "secret")
	mu.Lock()
	assert.Equal(t, 3, n)
	mu.Unlock()
	h.requireConnected("B")
	h.requireLockoutSafe()
}
