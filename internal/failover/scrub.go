package failover

import (
	"encoding/base64"
	"slices"
	"strings"
)

const redacted = "[redacted]"

// collectSecrets lists every credential form that could leak into an error
// text: passwords/tokens as given and as they appear in a Basic header.
func collectSecrets(cfg Config) []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, s := range cfg.Secrets {
		add(s)
		add(base64.StdEncoding.EncodeToString([]byte(s)))
	}
	for _, sd := range cfg.Sides {
		p := sd.Endpoint.Password
		if p == "" {
			continue
		}
		add(p)
		add(base64.StdEncoding.EncodeToString([]byte(p)))
		for _, user := range []string{sd.Endpoint.Username, cfg.AgentID} {
			if user != "" {
				add(base64.StdEncoding.EncodeToString([]byte(user + ":" + p)))
			}
		}
	}
	// Longest first, so a secret containing another is replaced whole.
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// scrub removes credentials from text bound for events, history or errors.
// It is called with and without the state lock: it reads only e.secrets,
// which never changes after New.
func (e *Engine) scrub(s string) string {
	for _, sec := range e.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}
