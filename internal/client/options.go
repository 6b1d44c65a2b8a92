package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/failover"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// Config is a validated client configuration. ParseOptions builds it from
// the page's options JSON; Go callers may fill it directly (New validates).
type Config struct {
	// Sides are side A and optionally side B.
	Sides     []SideConfig
	AgentID   string
	Extension string
	Auth      finesse.Auth
	// Transport is the notification transport: TransportWebSocket (Finesse
	// 12.5 and later) or TransportBOSH.
	Transport string
	// NoFallback turns off the WebSocket transport's fallback to BOSH when a
	// side's WebSocket cannot be opened (options.fallback: false). The
	// fallback is on by default: a side still on a release without /ws/
	// keeps working, and the connected event names the transport used.
	NoFallback bool
	// AllowInsecure permits http: side URLs (simulator, lab).
	AllowInsecure bool
	// Resource is the XMPP resource; empty binds one unique to the session.
	Resource string
	Policy   failover.Policy
}

// SideConfig holds one side's URLs. BOSH and WebSocket are derived from
// REST when empty.
type SideConfig struct {
	REST      string
	BOSH      string
	WebSocket string
}

// The notification transports.
const (
	TransportBOSH      = "bosh"
	TransportWebSocket = "websocket"
)

// Bounds of the page's policy numbers. The poll floor protects Finesse:
// thousands of desktops polling SystemInfo faster than every second would
// load the very server that is recovering.
const (
	minPollInterval = time.Second
	maxPollInterval = 10 * time.Minute
	maxJitter       = time.Minute
)

// ParseOptions decodes and validates the page's options JSON (web/BRIDGE.md).
// Errors are *OptionError naming the field; they never quote a value.
func ParseOptions(data []byte) (Config, error) {
	top, err := object(data, "options", []string{"sides", "agent", "auth", "transport", "fallback", "allowInsecure", "resource", "policy"})
	if err != nil {
		return Config{}, err
	}
	var cfg Config
	if err := parseSides(top["sides"], &cfg); err != nil {
		return Config{}, err
	}
	if err := parseAgent(top["agent"], &cfg); err != nil {
		return Config{}, err
	}
	if err := parseAuth(top["auth"], &cfg); err != nil {
		return Config{}, err
	}
	if raw, ok := top["transport"]; ok {
		if err := str(raw, "options.transport", &cfg.Transport); err != nil {
			return Config{}, err
		}
	} else {
		return Config{}, optErr("options.transport", `missing (use "websocket" or "bosh")`)
	}
	if raw, ok := top["fallback"]; ok {
		var fallback bool
		if err := json.Unmarshal(raw, &fallback); err != nil {
			return Config{}, optErr("options.fallback", "must be a boolean")
		}
		cfg.NoFallback = !fallback
	}
	if raw, ok := top["allowInsecure"]; ok {
		if err := json.Unmarshal(raw, &cfg.AllowInsecure); err != nil {
			return Config{}, optErr("options.allowInsecure", "must be a boolean")
		}
	}
	if raw, ok := top["resource"]; ok {
		if err := str(raw, "options.resource", &cfg.Resource); err != nil {
			return Config{}, err
		}
	}
	if raw, ok := top["policy"]; ok {
		if err := parsePolicy(raw, &cfg.Policy); err != nil {
			return Config{}, err
		}
	}
	if err := cfg.validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// object decodes a JSON object and rejects keys not in known. JSON null
// counts as absent, as JavaScript's undefined would after JSON.stringify.
func object(data []byte, field string, known []string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if len(bytes.TrimSpace(data)) == 0 || json.Unmarshal(data, &m) != nil || m == nil {
		return nil, optErr(field, "must be an object")
	}
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			delete(m, k)
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys) // the first unknown key reported is deterministic
	for _, k := range keys {
		if !slices.Contains(known, k) {
			// The key is the page's own text, not a value; quote it so
			// that a typo is easy to spot, but bound its length.
			if len(k) > 40 {
				k = k[:40] + "..."
			}
			return nil, optErr(field, fmt.Sprintf("unknown option %q", k))
		}
	}
	return m, nil
}

func str(raw json.RawMessage, field string, dst *string) error {
	if err := json.Unmarshal(raw, dst); err != nil {
		return optErr(field, "must be a string")
	}
	return nil
}

// optString decodes the optional string m[key] of the object at parent.
func optString(m map[string]json.RawMessage, key, parent string, dst *string) error {
	if m[key] == nil {
		return nil
	}
	return str(m[key], parent+"."+key, dst)
}

func parseSides(raw json.RawMessage, cfg *Config) error {
	if raw == nil {
		return optErr("options.sides", "missing (one or two Finesse sides)")
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return optErr("options.sides", "must be an array")
	}
	// Count checks live in validate, shared with Go callers.
	for i, item := range list {
		field := fmt.Sprintf("options.sides[%d]", i)
		var s string
		if json.Unmarshal(item, &s) == nil {
			cfg.Sides = append(cfg.Sides, SideConfig{REST: s})
			continue
		}
		m, err := object(item, field, []string{"rest", "bosh", "websocket"})
		if err != nil {
			if bytes.HasPrefix(bytes.TrimSpace(item), []byte("{")) {
				return err // an object with an unknown key: say which
			}
			return optErr(field, "must be a URL string or an object {rest, bosh, websocket}")
		}
		var sc SideConfig
		if err := optString(m, "rest", field, &sc.REST); err != nil {
			return err
		}
		if err := optString(m, "bosh", field, &sc.BOSH); err != nil {
			return err
		}
		if err := optString(m, "websocket", field, &sc.WebSocket); err != nil {
			return err
		}
		if sc.REST == "" {
			return optErr(field+".rest", "missing")
		}
		cfg.Sides = append(cfg.Sides, sc)
	}
	return nil
}

func parseAgent(raw json.RawMessage, cfg *Config) error {
	if raw == nil {
		return optErr("options.agent", "missing ({id, extension})")
	}
	m, err := object(raw, "options.agent", []string{"id", "extension"})
	if err != nil {
		return err
	}
	if err := optString(m, "id", "options.agent", &cfg.AgentID); err != nil {
		return err
	}
	return optString(m, "extension", "options.agent", &cfg.Extension)
}

func parseAuth(raw json.RawMessage, cfg *Config) error {
	if raw == nil {
		return optErr("options.auth", "missing ({username, password} or {token})")
	}
	m, err := object(raw, "options.auth", []string{"username", "password", "token"})
	if err != nil {
		return err
	}
	if err := optString(m, "username", "options.auth", &cfg.Auth.Username); err != nil {
		return err
	}
	if err := optString(m, "password", "options.auth", &cfg.Auth.Password); err != nil {
		return err
	}
	return optString(m, "token", "options.auth", &cfg.Auth.Token)
}

func parsePolicy(raw json.RawMessage, p *failover.Policy) error {
	m, err := object(raw, "options.policy", []string{"pollIntervalMs", "jitterMs", "restoreAgentState", "reloginAfterForcedLogout", "retryPost"})
	if err != nil {
		return err
	}
	ms := func(key string, lo, hi time.Duration) (time.Duration, bool, error) {
		if m[key] == nil {
			return 0, false, nil
		}
		field := "options.policy." + key
		var n float64
		if json.Unmarshal(m[key], &n) != nil {
			return 0, false, optErr(field, "must be a number of milliseconds")
		}
		d := time.Duration(n * float64(time.Millisecond))
		if n != n || d < lo || d > hi {
			return 0, false, optErr(field, fmt.Sprintf("must be between %d and %d", lo.Milliseconds(), hi.Milliseconds()))
		}
		return d, true, nil
	}
	if d, ok, err := ms("pollIntervalMs", minPollInterval, maxPollInterval); err != nil {
		return err
	} else if ok {
		p.PollInterval = d
	}
	if d, ok, err := ms("jitterMs", 0, maxJitter); err != nil {
		return err
	} else if ok {
		if d == 0 {
			d = -1 // failover.Policy: zero means default, negative means none
		}
		p.Jitter = d
	}
	flags := []struct {
		key string
		dst *bool
	}{
		{"restoreAgentState", &p.RestoreAgentState},
		{"reloginAfterForcedLogout", &p.ReloginAfterForcedLogout},
		{"retryPost", &p.RetryPOST},
	}
	for _, f := range flags {
		if m[f.key] == nil {
			continue
		}
		if json.Unmarshal(m[f.key], f.dst) != nil {
			return optErr("options.policy."+f.key, "must be a boolean")
		}
	}
	return nil
}

// trimmed reports whether s has no leading or trailing space.
func trimmed(s string) bool { return strings.TrimSpace(s) == s }
