package client

import (
	"encoding/json"
	"time"
)

// Diagnostics is client.diagnostics() as JSON: the options in effect
// (without credentials), snapshot, history and the recent log, up to the
// last history entry (logged or not yet). Every
// string in it, keys included, has passed the engine's scrubber just now,
// so a credential taken after it was first written (setAuth, getToken) is
// removed too.
func (c *Client) Diagnostics() (json.RawMessage, error) {
	hist := c.engine.History()
	d := Diagnostics{Options: c.options, Snapshot: c.Snapshot(), History: toHistory(hist), Log: append(c.log.recent(), c.log.pending(hist)...)}
	data, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	var tree any
	if err := json.Unmarshal(data, &tree); err != nil {
		return nil, err
	}
	return json.Marshal(scrubTree(tree, c.engine.Scrub))
}

// scrubTree scrubs every string of a decoded JSON value.
func scrubTree(v any, scrub func(string) string) any {
	switch t := v.(type) {
	case string:
		return scrub(t)
	case []any:
		for i := range t {
			t[i] = scrubTree(t[i], scrub)
		}
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[scrub(k)] = scrubTree(x, scrub)
		}
		return out
	}
	return v
}

// diagnosticOptions are cfg (validated: defaults and derived URLs filled
// in) without credentials.
func diagnosticOptions(cfg Config, tokenSource bool) DiagnosticOptions {
	auth := AuthPassword
	switch {
	case tokenSource:
		auth = AuthTokenSource
	case cfg.Auth.Token != "":
		auth = AuthToken
	}
	sides := make([]SideURLs, 0, len(cfg.Sides))
	for _, s := range cfg.Sides {
		sides = append(sides, SideURLs(s))
	}
	p := cfg.Policy.WithDefaults()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return DiagnosticOptions{
		Sides: sides, Agent: AgentOptions{ID: cfg.AgentID, Extension: cfg.Extension}, Auth: auth,
		Transport: cfg.Transport, Fallback: cfg.Transport == TransportWebSocket && !cfg.NoFallback,
		AllowInsecure: cfg.AllowInsecure, Resource: cfg.Resource, LogLevel: cfg.LogLevel,
		Policy: DiagnosticPolicy{
			PollIntervalMs: ms(p.PollInterval), JitterMs: ms(p.Jitter),
			RestoreAgentState: p.RestoreAgentState, ReloginAfterForcedLogout: p.ReloginAfterForcedLogout, RetryPost: p.RetryPOST,
		},
	}
}
