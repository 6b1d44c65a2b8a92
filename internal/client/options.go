package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/failover"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// Config is a client configuration: what ParseOptions makes of the page's
// Options, or what a Go caller (the load tool, tests) fills in directly.
// New validates it; that is the one validation pass.
type Config struct {
	// Sides are side A and optionally side B.
	Sides     []SideConfig
	AgentID   string
	Extension string
	Auth      finesse.Auth
	// Transport is the notification transport; empty means TransportBOSH.
	Transport Transport
	// NoFallback turns off the WebSocket transport's fallback to BOSH when a
	// side's WebSocket cannot be opened (options.fallback: false). The
	// fallback is on by default: a side still on a release without /ws/
	// keeps working, and the connected event names the transport used.
	NoFallback bool
	// AllowInsecure permits http: side URLs (simulator, lab).
	AllowInsecure bool
	// Resource is the XMPP resource; empty lets every notification session
	// bind a random one (two tabs with one resource would knock each other off).
	Resource string
	// Policy is the engine's policy. A Go caller may set any field; a page
	// only what PolicyOptions offers, within its bounds.
	Policy failover.Policy
	// LogLevel is the least severe line sent as a log event; empty means LogOff.
	LogLevel LogLevel
}

// SideConfig holds one side's URLs. BOSH and WebSocket are derived from
// REST when empty.
type SideConfig struct {
	REST      string
	BOSH      string
	WebSocket string
}

// Bounds of the page's policy numbers. The poll floor protects Finesse:
// thousands of desktops polling SystemInfo faster than every second would
// load the very server that is recovering.
const (
	minPollInterval = time.Second
	maxPollInterval = 10 * time.Minute
	maxJitter       = time.Minute
)

// ParseOptions decodes the page's options JSON (Options) into a Config:
// shapes, types, unknown keys and the policy's bounds. New checks the
// values. Errors are *OptionError naming the field; they never quote a value.
func ParseOptions(data []byte) (Config, error) {
	o, err := decodeOptions(data)
	if err != nil {
		return Config{}, err
	}
	return o.config()
}

// config is the Config the page's options ask for.
func (o Options) config() (Config, error) {
	cfg := Config{
		AgentID: o.Agent.ID, Extension: o.Agent.Extension,
		Auth:      o.Auth.auth(),
		Transport: o.Transport, AllowInsecure: o.AllowInsecure, Resource: o.Resource,
		NoFallback: o.Fallback != nil && !*o.Fallback,
		LogLevel:   o.LogLevel,
	}
	for _, s := range o.Sides {
		cfg.Sides = append(cfg.Sides, SideConfig(s))
	}
	if o.Policy != nil {
		if err := o.Policy.apply(&cfg.Policy); err != nil {
			return Config{}, err
		}
	}
	return cfg, nil
}

// apply sets the engine policy p asks for. jitterMs 0 means no jitter,
// which failover.Policy spells negative (its zero means "default").
func (p PolicyOptions) apply(dst *failover.Policy) error {
	ms := func(v *float64, field string, lo, hi time.Duration) (time.Duration, error) {
		n := *v
		d := time.Duration(n * float64(time.Millisecond))
		if n != n || d < lo || d > hi {
			return 0, optErr("options.policy."+field, fmt.Sprintf("must be between %d and %d", lo.Milliseconds(), hi.Milliseconds()))
		}
		return d, nil
	}
	if p.PollIntervalMs != nil {
		d, err := ms(p.PollIntervalMs, "pollIntervalMs", minPollInterval, maxPollInterval)
		if err != nil {
			return err
		}
		dst.PollInterval = d
	}
	if p.JitterMs != nil {
		d, err := ms(p.JitterMs, "jitterMs", 0, maxJitter)
		if err != nil {
			return err
		}
		if d == 0 {
			d = -1
		}
		dst.Jitter = d
	}
	set := func(v *bool, dst *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(p.RestoreAgentState, &dst.RestoreAgentState)
	set(p.ReloginAfterForcedLogout, &dst.ReloginAfterForcedLogout)
	set(p.RetryPost, &dst.RetryPOST)
	return nil
}

// decodeOptions decodes data strictly into Options. encoding/json's own
// errors would name Go types and quote values, so every object is walked
// here with its keys checked against the JSON names of its Go type.
func decodeOptions(data []byte) (Options, error) {
	var o Options
	top, err := object(data, "options", o)
	if err != nil {
		return o, err
	}
	if err := decodeSides(top["sides"], &o.Sides); err != nil {
		return o, err
	}
	if top["agent"] == nil {
		return o, optErr("options.agent", "missing ({id, extension})")
	}
	if err := decodeFields(top["agent"], "options.agent", &o.Agent); err != nil {
		return o, err
	}
	if top["auth"] == nil {
		return o, optErr("options.auth", "missing ({username, password} or {token})")
	}
	if err := decodeFields(top["auth"], "options.auth", &o.Auth); err != nil {
		return o, err
	}
	if top["transport"] == nil {
		return o, optErr("options.transport", `missing (use "websocket" or "bosh")`)
	}
	delete(top, "sides")
	delete(top, "agent")
	delete(top, "auth")
	if top["policy"] != nil {
		o.Policy = &PolicyOptions{}
		if err := decodeFields(top["policy"], "options.policy", o.Policy); err != nil {
			return o, err
		}
		delete(top, "policy")
	}
	return o, setFields(top, "options", &o)
}

// auth is the credential the page's auth object names.
func (a AuthOptions) auth() finesse.Auth {
	return finesse.Auth{Username: a.Username, Password: a.Password, Token: a.Token}
}

// decodeFields decodes the JSON object raw into the struct dst.
func decodeFields(raw json.RawMessage, field string, dst any) error {
	m, err := object(raw, field, dst)
	if err != nil {
		return err
	}
	return setFields(m, field, dst)
}

// setFields decodes each of m's values into dst's field of that JSON name
// (string, bool, number or a pointer to one), naming the field on a type
// mismatch.
func setFields(m map[string]json.RawMessage, field string, dst any) error {
	v := reflect.ValueOf(dst).Elem()
	for i := range v.NumField() {
		name := jsonName(v.Type().Field(i))
		raw := m[name]
		if raw == nil {
			continue
		}
		f := v.Field(i)
		if err := json.Unmarshal(raw, f.Addr().Interface()); err != nil {
			kind := f.Type()
			if kind.Kind() == reflect.Pointer {
				kind = kind.Elem()
			}
			want := map[reflect.Kind]string{reflect.String: "a string", reflect.Bool: "a boolean", reflect.Float64: "a number of milliseconds"}[kind.Kind()]
			return optErr(field+"."+name, "must be "+want)
		}
	}
	return nil
}

// jsonName is the JSON name of a struct field.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

// object decodes a JSON object and rejects keys that are not JSON names of
// shape's fields. JSON null counts as absent, as JavaScript's undefined
// would after JSON.stringify.
func object(data []byte, field string, shape any) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if len(bytes.TrimSpace(data)) == 0 || json.Unmarshal(data, &m) != nil || m == nil {
		return nil, optErr(field, "must be an object")
	}
	t := reflect.TypeOf(shape)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var known []string
	for i := range t.NumField() {
		known = append(known, jsonName(t.Field(i)))
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

func decodeSides(raw json.RawMessage, dst *[]SideURLs) error {
	if raw == nil {
		return optErr("options.sides", "missing (one or two Finesse sides)")
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return optErr("options.sides", "must be an array")
	}
	// Count checks are New's, shared with Go callers.
	for i, item := range list {
		field := sideField(i)
		var s string
		if json.Unmarshal(item, &s) == nil {
			*dst = append(*dst, SideURLs{REST: s})
			continue
		}
		var sc SideURLs
		if !bytes.HasPrefix(bytes.TrimSpace(item), []byte("{")) {
			return optErr(field, "must be a URL string or an object {rest, bosh, websocket}")
		}
		if err := decodeFields(item, field, &sc); err != nil {
			return err
		}
		if sc.REST == "" {
			return optErr(field+".rest", "missing")
		}
		*dst = append(*dst, sc)
	}
	return nil
}

// trimmed reports whether s has no leading or trailing space.
func trimmed(s string) bool { return strings.TrimSpace(s) == s }
