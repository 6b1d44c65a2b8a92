package failover

import (
	"encoding/base64"
	"slices"
	"strings"
	"sync"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// secretSet is every form of every credential the engine has seen; it
// grows when credentials arrive at run time and is read with and without
// the state lock.
type secretSet struct {
	mu   sync.RWMutex
	list []string
}

const redacted = "[redacted]"

// collectSecrets lists every credential form that could leak into an error
// text: passwords/tokens as given, as they appear in a Basic header and as
// the base64 of a SASL PLAIN response.
func collectSecrets(cfg Config) []string {
	var out []string
	for _, s := range cfg.Secrets {
		out = addSecretForms(out, s)
	}
	for _, sd := range cfg.Sides {
		out = addSecretForms(out, sd.Endpoint.Password, sd.Endpoint.Username, cfg.AgentID)
	}
	out = addAuthForms(out, cfg.Auth, cfg.AgentID)
	sortSecrets(out)
	return out
}

// addSecretForms adds secret, its base64, and for each user the Basic
// (user:secret) and SASL PLAIN (\x00user\x00secret) encodings.
func addSecretForms(out []string, secret string, users ...string) []string {
	if secret == "" {
		return out
	}
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	enc := base64.StdEncoding.EncodeToString
	add(secret)
	add(enc([]byte(secret)))
	for _, user := range users {
		if user != "" {
			add(enc([]byte(user + ":" + secret)))
			add(enc([]byte("\x00" + user + "\x00" + secret)))
		}
	}
	return out
}

func addAuthForms(out []string, a finesse.Auth, agentID string) []string {
	out = addSecretForms(out, a.Password, a.Username, agentID)
	return addSecretForms(out, a.Token, a.Username, agentID)
}

// Longest first, so a secret containing another is replaced whole.
func sortSecrets(out []string) {
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
}

// add makes credentials that arrived at run time (SetAuth,
// GetToken) scrubbed like the first ones. Old ones stay: a late error may
// still quote them.
func (s *secretSet) add(a finesse.Auth, agentID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = addAuthForms(s.list, a, agentID)
	sortSecrets(s.list)
}

// scrub removes credentials from text bound for events, history or errors.
// It is called with and without the state lock.
func (s *secretSet) scrub(text string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, sec := range s.list {
		if strings.Contains(text, sec) {
			text = strings.ReplaceAll(text, sec, redacted)
		}
	}
	return text
}

// copy is the secrets, for tests.
func (s *secretSet) copy() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.list)
}
