package failover

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// credentials is the credential in use and its refresh: the timers that
// ask for a new token before the current one expires, and the one
// outstanding GetToken call.
type credentials struct {
	cur          *credential // never nil
	seq          int
	refreshTimer *timerRef
	expiryTimer  *timerRef
	refreshing   bool // a GetToken call is outstanding
	lastGetToken time.Time
}

// Credentials while the engine runs (SPEC §3.3.9, §4.2).
//
// The engine owns the agent's credential: every REST call it makes carries
// the credential current when the call was started (on its context, see
// credFrom), and every notification login gets it as the SASL PLAIN
// password. So a 401 is attributed to exactly the credential that was sent,
// and a refusal is recorded per side and per credential. Five failed logins
// lock a Finesse account for five minutes; the invariant is that one
// credential gets at most one 401 from each side, ever: a side that refused
// a credential is not polled, dialled or asked anything with it again.

// ErrTokenExpired is the error of a call that was not sent because the
// token it would have carried is past its exp.
var ErrTokenExpired = errors.New("failover: token expired; not sent")

// ErrBadAuth is the error of SetAuth with credentials that cannot be sent.
var ErrBadAuth = errors.New("failover: credentials cannot be used")

// refreshSpacing is the least time between two calls of Config.GetToken.
const refreshSpacing = 10 * time.Second

// credential is one set of credentials as the engine tracks it.
type credential struct {
	auth finesse.Auth
	// id is the credential's identity: the same secret given twice is one
	// credential. The secret itself, kept no longer than auth is: a hash
	// would link crypto/sha256 and the FIPS module (~70 KB gzip) into the
	// browser build for an in-memory map key.
	id  string
	seq int // 1 for the first credential, for history labels
	// exp and iat come from a JWT token's payload; exp is zero when the
	// token's lifetime is not readable (or for a password).
	exp, iat time.Time
	setAt    time.Time
	// askedOn401 is set once a 401 of this token made the engine ask the
	// page for a fresh one: it asks once per token.
	askedOn401 bool
}

func newCredential(a finesse.Auth, seq int, now time.Time) *credential {
	c := &credential{auth: a, seq: seq, setAt: now}
	c.id = a.Scheme() + "\x00" + a.Username + "\x00" + a.Password + "\x00" + a.Token
	if a.Token != "" {
		if iat, exp, ok := tokenTimes(a.Token); ok {
			c.iat, c.exp = iat, exp
			// exp is on the token server's clock. If ours runs behind it,
			// the token dies earlier than our clock says: count its
			// lifetime from when we got it as well, and keep the earlier.
			if !iat.IsZero() {
				if local := now.Add(exp.Sub(iat)); local.Before(exp) {
					c.exp = local
				}
			}
		}
	}
	return c
}

func (c *credential) isToken() bool { return c != nil && c.auth.Token != "" }

// expired reports whether the credential must not be sent at now.
func (c *credential) expired(now time.Time) bool {
	return c.isToken() && !c.exp.IsZero() && !now.Before(c.exp)
}

// label names the credential in history without revealing it.
func (c *credential) label() string {
	if c == nil {
		return "none"
	}
	if c.auth == (finesse.Auth{}) {
		return "configured credentials"
	}
	// Scheme and number only: nothing of the secret, not even its length.
	return fmt.Sprintf("%s credential #%d", c.auth.Scheme(), c.seq)
}

// refreshAt is when a fresh token should be asked for: at 75% of the
// token's lifetime (Cisco's advice), counted from its iat, or from when
// the engine got it if the token has no iat.
func (c *credential) refreshAt() time.Time {
	start := c.iat
	if start.IsZero() || start.After(c.setAt) {
		start = c.setAt
	}
	if !c.exp.After(start) {
		return c.setAt
	}
	return start.Add(c.exp.Sub(start) * 3 / 4)
}

type credKey struct{}

type credUse struct {
	c   *credential
	clk clock.Clock
}

// withCred puts the credential a call must use on its context.
func withCred(ctx context.Context, c *credential, clk clock.Clock) context.Context {
	if c == nil || c.auth == (finesse.Auth{}) {
		return ctx // the adapters' own credentials (Config.Auth empty)
	}
	return context.WithValue(ctx, credKey{}, credUse{c, clk})
}

// AuthFrom returns the credential the engine chose for a REST call: REST
// implementations send it instead of their own (FinesseREST does). ok is
// false when the engine was given no credentials (Config.Auth empty).
func AuthFrom(ctx context.Context) (a finesse.Auth, ok bool) {
	u, ok := ctx.Value(credKey{}).(credUse)
	if !ok || u.c == nil {
		return finesse.Auth{}, false
	}
	return u.c.auth, true
}

// expiredIn reports whether ctx carries a token past its exp: the last
// guard before anything is sent (guard.go).
func expiredIn(ctx context.Context) bool {
	u, ok := ctx.Value(credKey{}).(credUse)
	return ok && u.c.expired(u.clk.Now())
}

// checkAuth validates credentials handed to the engine. Errors name the
// field and never quote a value.
func checkAuth(a finesse.Auth) error {
	switch {
	case a.Token != "" && (a.Username != "" || a.Password != ""):
		return fmt.Errorf("%w: give a token or a username and password, not both", ErrBadAuth)
	case a.Token != "":
		if strings.ContainsFunc(a.Token, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
			return fmt.Errorf("%w: token: must not contain spaces or control characters", ErrBadAuth)
		}
	case a.Username == "" && a.Password == "":
		return fmt.Errorf("%w: no credentials", ErrBadAuth)
	case a.Username == "":
		return fmt.Errorf("%w: username: missing", ErrBadAuth)
	case a.Password == "":
		return fmt.Errorf("%w: password: missing", ErrBadAuth)
	}
	if a.Validate() != nil {
		return fmt.Errorf("%w: username or password: must not contain ':' (username) or control characters", ErrBadAuth)
	}
	return nil
}

// SetAuth hands the engine new credentials (SPEC §4.2): the next REST call
// and the next notification login use them; calls in flight keep the ones
// they were started with. A side that refused earlier credentials may be
// tried again with these; an engine waiting in the unauthorized state
// resumes recovery at once. The same credential given again is the same
// credential: a side that refused it is not asked again. SetAuth returns an
// error only for unusable input (errors.Is ErrBadAuth; the text names the
// field, never a value) and never blocks on I/O.
func (e *Engine) SetAuth(a finesse.Auth) error {
	if err := checkAuth(a); err != nil {
		return err
	}
	e.secrets.add(a, e.cfg.AgentID)
	e.post(func() {
		if e.life.closed {
			return
		}
		e.installCredential(a, "setAuth")
	})
	return nil
}

// installCredential makes a the current credential and resumes whatever
// waited for one.
func (e *Engine) installCredential(a finesse.Auth, from string) {
	e.creds.seq++
	c := newCredential(a, e.creds.seq, e.clk.Now())
	if old := e.creds.cur; old != nil && old.id == c.id {
		// The same secret again: keep its state (refusals, the one ask).
		c = old
	}
	e.creds.cur = c
	detail := from + ": " + c.label()
	if !c.exp.IsZero() {
		detail += ", expires in " + c.exp.Sub(e.clk.Now()).Round(time.Second).String()
	}
	e.record("credentials", -1, detail)
	e.armTokenTimers()
	e.resumeAfterCredential()
}

// resumeAfterCredential restarts recovery when it was waiting for
// credentials, and sends the page's requests that waited for a live token.
func (e *Engine) resumeAfterCredential() {
	if !e.life.started || e.life.closed {
		return
	}
	switch {
	case e.step.phase == phStopped, e.step.phase == phPolling,
		e.step.phase == phWaiting && e.rec.conn.State == StateUnauthorized:
		// A round already polling carries the old credentials: start over.
		e.rec.attempt = 0
		e.round()
	case e.step.phase == phConnected:
		e.flushRequests()
	}
}

// credLive reports whether the current credential may be sent now.
func (e *Engine) credLive() bool { return !e.creds.cur.expired(e.clk.Now()) }

// refusedBy reports whether side i refused the current credential.
func (e *Engine) refusedBy(i int) bool {
	return e.creds.cur != nil && e.sides[i].refused[e.creds.cur.id]
}

// refusingSide is the side an unauthorized state is reported for: the side
// in use if it refused, else the first that did, else the side in use.
func (e *Engine) refusingSide() int {
	if e.refusedBy(e.cur) {
		return e.cur
	}
	for i := range e.sides {
		if e.refusedBy(i) {
			return i
		}
	}
	return e.cur
}

// refusedSides lists the sides that refused the current credential.
func (e *Engine) refusedSides() []string {
	var out []string
	for i, s := range e.sides {
		if e.refusedBy(i) {
			out = append(out, s.name)
		}
	}
	return out
}

// onRefused records that side i answered credential c with 401 (or a SASL
// not-authorized) while doing what (SPEC §3.3.9). The side is not sent c
// again; for a token the page is asked once for a fresh one. If c is still
// the current credential and side i is the one in use, recovery starts and
// moves to the other side if that one has not refused it.
func (e *Engine) onRefused(i int, c *credential, what string) {
	if e.life.closed {
		return
	}
	if c == nil {
		c = e.creds.cur
	}
	s := e.sides[i]
	if c != nil {
		if s.refused == nil {
			s.refused = map[string]bool{}
		}
		if !s.refused[c.id] {
			s.refused[c.id] = true
			e.emit(ErrorEvent{
				Code:    ErrCodeUnauthorized,
				Message: "credentials refused by side " + s.name + " (" + what + "); not sent to that side again",
				Side:    s.name,
			})
		}
	}
	e.record("unauthorized", i, what+" ("+c.label()+")")
	if c.isToken() && !c.askedOn401 && e.cfg.GetToken != nil {
		c.askedOn401 = true
		e.refreshToken("refused")
	}
	if c != e.creds.cur {
		return // an older credential; the current one is untested there
	}
	if e.step.phase == phConnected && e.cur == i {
		e.trigger(ReasonUnauthorized, true)
	}
}

// waitForCredentials is where recovery ends when no side can be asked with
// the current credential: every side refused it, or the token expired and
// no fresh one came yet. Nothing is polled or dialled until new credentials
// arrive (SetAuth or GetToken) or Close; the state is unauthorized.
func (e *Engine) waitForCredentials() {
	e.newStep(phStopped)
	if e.notif.sess != nil && e.refusedBy(e.notif.side) {
		e.dropSession()
	}
	// A session whose side did not refuse stays open (an expired token
	// ends no session): its SystemInfo and presence news still arrive,
	// and the fresh token's round re-syncs over it without a new login.
	reason := ReasonUnauthorized
	if !e.credLive() {
		reason = ReasonTokenExpired
	}
	e.setConn(StateUnauthorized, e.refusingSide(), reason)
	if e.cfg.GetToken == nil {
		// Only the page can help now (SetAuth): its waiting requests fail
		// rather than wait for RequestWait.
		e.failAllRequests(ErrUnauthorized)
	}
}

// ---- token source ---------------------------------------------------------

// armTokenTimers schedules the refresh of a token whose lifetime is known
// (at 75% of it) and the moment it stops being sent (its exp).
func (e *Engine) armTokenTimers() {
	e.stopTimer(e.creds.refreshTimer)
	e.stopTimer(e.creds.expiryTimer)
	e.creds.refreshTimer, e.creds.expiryTimer = nil, nil
	c := e.creds.cur
	if !c.isToken() || c.exp.IsZero() {
		return
	}
	now := e.clk.Now()
	if e.cfg.GetToken != nil {
		e.creds.refreshTimer = e.after(max(c.refreshAt().Sub(now), 0), func() {
			e.creds.refreshTimer = nil
			e.refreshToken("due")
		})
	}
	expired := func() {
		e.record("token-expired", -1, c.label())
		if e.cfg.GetToken == nil {
			e.reportError(ErrCodeTokenExpired, -1, "the token expired and there is no getToken to ask for a fresh one; waiting for setAuth")
		}
	}
	if !c.exp.After(now) {
		expired()
		return
	}
	e.creds.expiryTimer = e.after(c.exp.Sub(now), func() {
		e.creds.expiryTimer = nil
		if e.creds.cur == c {
			expired()
		}
	})
}

// refreshToken calls Config.GetToken, never twice within refreshSpacing
// and never while a call is outstanding. A failure or timeout is reported
// (ErrCodeTokenRefresh) and retried after PollInterval; meanwhile an
// expired token is not sent.
func (e *Engine) refreshToken(why string) {
	if e.cfg.GetToken == nil || e.life.closed || e.creds.refreshing {
		return
	}
	now := e.clk.Now()
	if !e.creds.lastGetToken.IsZero() && now.Sub(e.creds.lastGetToken) < refreshSpacing {
		e.stopTimer(e.creds.refreshTimer)
		e.creds.refreshTimer = e.after(e.creds.lastGetToken.Add(refreshSpacing).Sub(now), func() {
			e.creds.refreshTimer = nil
			e.refreshToken(why)
		})
		return
	}
	e.stopTimer(e.creds.refreshTimer)
	e.creds.refreshTimer = nil
	e.creds.refreshing = true
	e.creds.lastGetToken = now
	e.record("token-refresh", -1, why)
	get := e.cfg.GetToken
	e.spawnIn(e.life.ctx, e.pol.RequestTimeout, func(ctx context.Context) func() {
		tok, err := get(ctx)
		err = ioErr(ctx, err)
		return func() { e.onToken(tok, err) }
	})
}

func (e *Engine) onToken(tok string, err error) {
	e.creds.refreshing = false
	if e.life.closed {
		return
	}
	if err == nil && checkAuth(finesse.Auth{Token: tok}) != nil {
		err = errors.New("getToken returned no usable token")
	}
	if err == nil {
		e.secrets.add(finesse.Auth{Token: tok}, e.cfg.AgentID)
		if _, exp, ok := tokenTimes(tok); ok && !exp.After(e.clk.Now()) {
			err = errors.New("getToken returned a token that has already expired")
		}
	}
	if err != nil {
		msg := err.Error()
		if classify(err) == kindTimeout {
			msg = "getToken did not answer within " + e.pol.RequestTimeout.String()
		}
		e.reportError(ErrCodeTokenRefresh, -1, msg+"; retrying in "+e.pol.PollInterval.String())
		e.stopTimer(e.creds.refreshTimer)
		e.creds.refreshTimer = e.after(e.pol.PollInterval, func() {
			e.creds.refreshTimer = nil
			e.refreshToken("retry")
		})
		return
	}
	e.installCredential(finesse.Auth{Token: tok}, "getToken")
}
