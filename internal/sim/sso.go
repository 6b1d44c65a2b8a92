package sim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// SSO mode and account lock-out (SPEC §6).
//
// In SSO mode the pair issues tokens that expire: POST /control/token
// (IssueToken) mints a JWT for an agent with a lifetime. A live token is the
// agent's Bearer credential on REST and its SASL PLAIN password on BOSH and
// WebSocket; an expired one is answered 401 on REST and not-authorized on
// the notification login. Passwords are refused in SSO mode.
//
// Like Finesse, an account is locked after LockoutAfter failed logins (5 by
// default in SSO mode) for LockoutFor (5 min): while locked, every login of
// the agent fails, right credentials included. Every refused login is
// counted per side and per credential (Metrics.UnauthorizedBy, keyed by
// CredentialKey), so a test can check that a client never sent one
// credential twice to a side that refused it.

// CredentialKey is how metrics name a credential: a short hash, never the
// secret itself.
func CredentialKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + hex.EncodeToString(sum[:6])
}

type issuedToken struct {
	agent string
	exp   time.Time
}

// authBook holds the issued tokens and the lock-out state of the pair.
type authBook struct {
	mu       sync.Mutex
	tokens   map[string]issuedToken
	seq      int
	failures map[string]int       // failed logins per agent since the last lock
	locked   map[string]time.Time // agent -> locked until
}

func newAuthBook() *authBook {
	return &authBook{tokens: map[string]issuedToken{}, failures: map[string]int{}, locked: map[string]time.Time{}}
}

// ErrUnknownAgent is IssueToken's error for an agent the pair does not have.
var ErrUnknownAgent = errors.New("sim: no such agent")

// IssueToken mints an SSO token for agent, valid for lifetime (whole
// seconds, at least one). It is a JWT whose payload carries sub, iat and
// exp, as Cisco IdS tokens do; its signature is not checked by anyone.
func (p *Pair) IssueToken(agent string, lifetime time.Duration) (string, time.Time, error) {
	if !p.cc.exists(agent) {
		return "", time.Time{}, ErrUnknownAgent
	}
	lifetime = max(lifetime.Truncate(time.Second), time.Second)
	now := time.Now()
	iat := now.Truncate(time.Second)
	exp := iat.Add(lifetime)
	b := p.auth
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	enc := base64.RawURLEncoding.EncodeToString
	payload, _ := json.Marshal(map[string]any{"sub": agent, "iat": iat.Unix(), "exp": exp.Unix(), "jti": strconv.Itoa(b.seq)})
	tok := enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(payload) + "." + enc([]byte("finesse-sim"))
	b.tokens[tok] = issuedToken{agent: agent, exp: exp}
	return tok, exp, nil
}

// checkLogin decides a login on side s: user is the login id ("" for a
// Bearer token, which names its agent itself), secret the password or
// token. It returns the agent the credential belongs to.
func (s *Side) checkLogin(user, secret string, bearer bool) (string, bool) {
	p := s.pair
	agent, ok := user, false
	p.auth.mu.Lock()
	t, issued := p.auth.tokens[secret]
	p.auth.mu.Unlock()
	switch {
	case p.cfg.Token != "" && constantEqual(secret, p.cfg.Token):
		ok = true // the static token of HYBRID mode stands for any agent
	case issued:
		agent = t.agent
		ok = (user == "" || user == t.agent) && time.Now().Before(t.exp)
	case bearer || p.cfg.SSO:
		// an unknown token, or a password in SSO mode
	default:
		ok = user != "" && p.cc.exists(user) && constantEqual(secret, p.cfg.Password)
	}
	if agent != "" && p.lockedOut(agent) {
		ok = false
	}
	if ok && s.takeAuthFailure() {
		ok = false
	}
	if !ok {
		s.refused(agent, secret)
	}
	return agent, ok
}

// refused counts a failed login and locks the agent's account after
// LockoutAfter of them.
func (s *Side) refused(agent, secret string) {
	key := CredentialKey(secret)
	s.mu.Lock()
	if s.refusedBy == nil {
		s.refusedBy = map[string]uint64{}
	}
	s.refusedBy[key]++
	s.mu.Unlock()
	p := s.pair
	if agent == "" || p.cfg.lockoutAfter() <= 0 {
		return
	}
	b := p.auth
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures[agent]++
	if b.failures[agent] >= p.cfg.lockoutAfter() {
		b.failures[agent] = 0
		b.locked[agent] = time.Now().Add(p.cfg.lockoutFor())
		p.cfg.Logf("sim: account %s locked for %v after %d failed logins", agent, p.cfg.lockoutFor(), p.cfg.lockoutAfter())
	}
}

func (p *Pair) lockedOut(agent string) bool {
	b := p.auth
	b.mu.Lock()
	defer b.mu.Unlock()
	until, ok := b.locked[agent]
	return ok && time.Now().Before(until)
}

// LockedOut reports whether agent's account is locked now.
func (p *Pair) LockedOut(agent string) bool { return p.lockedOut(agent) }

// noteBind counts a resource bind per agent.
func (s *Side) noteBind(user, _ string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bindsBy == nil {
		s.bindsBy = map[string]uint64{}
	}
	s.bindsBy[user]++
}

// handleToken serves POST /control/token?agent=ID&lifetime=20s (agent
// defaults to the first one, lifetime to 1h) with {"token", "expiresAt"}.
func (p *Pair) handleToken(w http.ResponseWriter, r *http.Request) {
	if !onlyMethod(w, r, http.MethodPost) {
		return
	}
	q := r.URL.Query()
	agent := q.Get("agent")
	if agent == "" {
		agent = p.Agents()[0]
	}
	lifetime := time.Hour
	if v := q.Get("lifetime"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 24*time.Hour {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "lifetime: a duration between 1s and 24h, e.g. 20s"})
			return
		}
		lifetime = d
	}
	tok, exp, err := p.IssueToken(agent, lifetime)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("agent %q: %v", agent, err)})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"token": tok, "expiresAt": exp.UTC().Format(time.RFC3339), "agent": agent})
}
