package client

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/internal/httpx/nethttp"
)

const (
	testPassword = "pw-S3cret-xyz"
	testToken    = "tok-S3cret-abc"
)

// opts returns valid options with edit applied to the decoded map.
func opts(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	m := map[string]any{
		"sides":     []any{"https://fin-a.example.com:8445", map[string]any{"rest": "https://fin-b.example.com:8445"}},
		"agent":     map[string]any{"id": "1001001", "extension": "1001001"},
		"auth":      map[string]any{"username": "1001001", "password": testPassword},
		"transport": "bosh",
	}
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// checked is ParseOptions followed by the validation New runs.
func checked(data []byte) (Config, error) {
	cfg, err := ParseOptions(data)
	if err != nil {
		return cfg, err
	}
	return cfg, cfg.validate()
}

func TestParseOptionsValid(t *testing.T) {
	cfg, err := checked(opts(t, func(m map[string]any) {
		m["policy"] = map[string]any{"pollIntervalMs": 2500, "jitterMs": 0, "retryPost": true}
		m["resource"] = "crm-1"
	}))
	require.NoError(t, err)
	require.Len(t, cfg.Sides, 2)
	assert.Equal(t, "https://fin-a.example.com:7443/http-bind/", cfg.Sides[0].BOSH)
	assert.Equal(t, "https://fin-b.example.com:7443/http-bind/", cfg.Sides[1].BOSH)
	assert.Equal(t, "1001001", cfg.AgentID)
	assert.Equal(t, testPassword, cfg.Auth.Password)
	assert.Equal(t, "crm-1", cfg.Resource)
	assert.Equal(t, 2500*time.Millisecond, cfg.Policy.PollInterval)
	assert.Negative(t, cfg.Policy.Jitter, "jitterMs 0 means no jitter, which failover.Policy spells negative (its zero is the default)")
	assert.True(t, cfg.Policy.RetryPOST)
}

func TestParseOptionsDerivesInsecureBOSHAndKeepsExplicitURLs(t *testing.T) {
	cfg, err := checked(opts(t, func(m map[string]any) {
		m["allowInsecure"] = true
		m["sides"] = []any{"http://127.0.0.1:1234", map[string]any{"rest": "http://127.0.0.1:5678", "bosh": "http://127.0.0.1:5678/http-bind/"}}
		m["auth"] = map[string]any{"token": testToken}
		m["resource"] = nil // null is absent
	}))
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:7071/http-bind/", cfg.Sides[0].BOSH)
	assert.Equal(t, "http://127.0.0.1:5678/http-bind/", cfg.Sides[1].BOSH)
	assert.Equal(t, testToken, cfg.Auth.Token)
	assert.Empty(t, cfg.Resource, "no resource given: notify binds a random one per session")
}

func TestParseOptionsWebSocketDerivesURLAndFallback(t *testing.T) {
	cfg, err := checked(opts(t, func(m map[string]any) {
		m["transport"] = "websocket"
		m["allowInsecure"] = true
		m["sides"] = []any{"https://fin-a.example.com:8445", "http://127.0.0.1:5678", map[string]any{"rest": "https://fin-c.example.com", "websocket": "wss://proxy.example.com/fin-c/ws/"}}[1:]
	}))
	require.NoError(t, err)
	assert.Equal(t, TransportWebSocket, cfg.Transport)
	assert.False(t, cfg.NoFallback, "the fallback to BOSH is on unless the page turns it off")
	assert.Equal(t, "ws://127.0.0.1:5678/ws/", cfg.Sides[0].WebSocket, "same host and port as REST, like Finesse's own desktop")
	assert.Equal(t, "wss://proxy.example.com/fin-c/ws/", cfg.Sides[1].WebSocket, "an explicit URL is kept")

	cfg, err = checked(opts(t, func(m map[string]any) {
		m["transport"] = "websocket"
		m["fallback"] = false
	}))
	require.NoError(t, err)
	assert.True(t, cfg.NoFallback)
	assert.Equal(t, "wss://fin-a.example.com:8445/ws/", cfg.Sides[0].WebSocket)
}

func TestNewWebSocketNeedsAnImplementation(t *testing.T) {
	cfg, err := ParseOptions(opts(t, func(m map[string]any) { m["transport"] = "websocket" }))
	require.NoError(t, err)
	_, err = New(cfg, &nethttp.Doer{}, clock.Real(), nil)
	var oe *OptionError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "options.transport", oe.Field)
}

func TestParseOptionsErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name  string
		data  []byte
		field string
		why   string
	}{
		{"not json", []byte("{"), "options", "object"},
		{"array", []byte("[]"), "options", "object"},
		{"unknown key", opts(t, func(m map[string]any) { m["allowInsecur"] = true }), "options", "allowInsecur"},
		{"no sides", opts(t, func(m map[string]any) { delete(m, "sides") }), "options.sides", "missing"},
		{"empty sides", opts(t, func(m map[string]any) { m["sides"] = []any{} }), "options.sides", "missing"},
		{"three sides", opts(t, func(m map[string]any) {
			m["sides"] = []any{"https://a.example", "https://b.example", "https://c.example"}
		}), "options.sides", "one or two"},
		{"sides not array", opts(t, func(m map[string]any) { m["sides"] = "https://a.example" }), "options.sides", "array"},
		{"http without allowInsecure", opts(t, func(m map[string]any) {
			m["sides"] = []any{"https://a.example", "http://b.example"}
		}), "options.sides[1]", "http URL needs allowInsecure: true"},
		{"credentials in URL", opts(t, func(m map[string]any) {
			m["sides"] = []any{"https://1001001:" + testPassword + "@a.example"}
		}), "options.sides[0]", "credentials"},
		{"ftp side", opts(t, func(m map[string]any) { m["sides"] = []any{"ftp://a.example"} }), "options.sides[0]", "https://"},
		{"relative side", opts(t, func(m map[string]any) { m["sides"] = []any{"/finesse"} }), "options.sides[0]", "absolute"},
		{"side with path", opts(t, func(m map[string]any) { m["sides"] = []any{"https://a.example/finesse/api"} }), "options.sides[0]", "base URL"},
		{"same side twice", opts(t, func(m map[string]any) { m["sides"] = []any{"https://a.example", "https://A.example"} }), "options.sides[1]", "same server"},
		{"side object without rest", opts(t, func(m map[string]any) {
			m["sides"] = []any{map[string]any{"bosh": "https://a.example/http-bind/"}}
		}), "options.sides[0].rest", "missing"},
		{"side object unknown key", opts(t, func(m map[string]any) { m["sides"] = []any{map[string]any{"rest": "https://a.example", "xmpp": "x"}} }), "options.sides[0]", `unknown option "xmpp"`},
		{"side number", opts(t, func(m map[string]any) { m["sides"] = []any{42} }), "options.sides[0]", "URL string or an object"},
		{"side rest number", opts(t, func(m map[string]any) { m["sides"] = []any{map[string]any{"rest": 1}} }), "options.sides[0].rest", "string"},
		{"insecure bosh", opts(t, func(m map[string]any) {
			m["sides"] = []any{map[string]any{"rest": "https://a.example", "bosh": "http://a.example/http-bind/"}}
		}), "options.sides[0].bosh", "allowInsecure"},
		{"bad websocket scheme", opts(t, func(m map[string]any) {
			m["sides"] = []any{map[string]any{"rest": "https://a.example", "websocket": "https://a.example/ws/"}}
		}), "options.sides[0].websocket", "wss://"},
		{"no agent", opts(t, func(m map[string]any) { delete(m, "agent") }), "options.agent", "missing"},
		{"no agent id", opts(t, func(m map[string]any) { m["agent"] = map[string]any{"extension": "1"} }), "options.agent.id", "missing"},
		{"agent id with slash", opts(t, func(m map[string]any) { m["agent"] = map[string]any{"id": "../Team"} }), "options.agent.id", "letters"},
		{"agent id number", opts(t, func(m map[string]any) { m["agent"] = map[string]any{"id": 1001001} }), "options.agent.id", "string"},
		{"bad extension", opts(t, func(m map[string]any) { m["agent"] = map[string]any{"id": "1", "extension": "1 2"} }), "options.agent.extension", "digits"},
		{"no auth", opts(t, func(m map[string]any) { delete(m, "auth") }), "options.auth", "missing"},
		{"empty auth", opts(t, func(m map[string]any) { m["auth"] = map[string]any{} }), "options.auth", "missing"},
		{"no password", opts(t, func(m map[string]any) { m["auth"] = map[string]any{"username": "1001001"} }), "options.auth.password", "missing"},
		{"no username", opts(t, func(m map[string]any) { m["auth"] = map[string]any{"password": testPassword} }), "options.auth.username", "missing"},
		{"both auths", opts(t, func(m map[string]any) {
			m["auth"] = map[string]any{"username": "u", "password": testPassword, "token": testToken}
		}), "options.auth", "not both"},
		{"token with space", opts(t, func(m map[string]any) { m["auth"] = map[string]any{"token": testToken + " x"} }), "options.auth.token", "spaces"},
		{"password not string", opts(t, func(m map[string]any) { m["auth"] = map[string]any{"username": "u", "password": 12345} }), "options.auth.password", "string"},
		{"no transport", opts(t, func(m map[string]any) { delete(m, "transport") }), "options.transport", "missing"},
		{"unknown transport", opts(t, func(m map[string]any) { m["transport"] = "long-poll" }), "options.transport", "must be"},
		{"fallback not boolean", opts(t, func(m map[string]any) { m["transport"] = "websocket"; m["fallback"] = "no" }), "options.fallback", "boolean"},
		{"fallback off with bosh", opts(t, func(m map[string]any) { m["fallback"] = false }), "options.fallback", "websocket"},
		{"resource desktop", opts(t, func(m map[string]any) { m["resource"] = "Desktop" }), "options.resource", "desktop"},
		{"resource with slash", opts(t, func(m map[string]any) { m["resource"] = "a/b" }), "options.resource", "letters"},
		{"allowInsecure string", opts(t, func(m map[string]any) { m["allowInsecure"] = "yes" }), "options.allowInsecure", "boolean"},
		{"poll too fast", opts(t, func(m map[string]any) { m["policy"] = map[string]any{"pollIntervalMs": 10} }), "options.policy.pollIntervalMs", "between"},
		{"jitter negative", opts(t, func(m map[string]any) { m["policy"] = map[string]any{"jitterMs": -1} }), "options.policy.jitterMs", "between"},
		{"policy unknown", opts(t, func(m map[string]any) { m["policy"] = map[string]any{"retryPOST": true} }), "options.policy", "retryPOST"},
		{"policy flag type", opts(t, func(m map[string]any) { m["policy"] = map[string]any{"restoreAgentState": 1} }), "options.policy.restoreAgentState", "boolean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checked(tt.data)
			require.Error(t, err)
			var oe *OptionError
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, tt.field, oe.Field)
			assert.True(t, strings.HasPrefix(err.Error(), "finesse-ha: "+tt.field+": "), err.Error())
			assert.Contains(t, err.Error(), tt.why)
			for _, secret := range []string{testPassword, testToken} {
				assert.NotContains(t, err.Error(), secret)
			}
		})
	}
}

func TestNewValidatesGoConfigs(t *testing.T) {
	_, err := New(Config{AgentID: "1"}, nil, nil, nil)
	var oe *OptionError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "options.sides", oe.Field)
}

// FuzzParseOptions: any input decodes to a Config or an *OptionError naming
// an options field, never a panic, and no error quotes a value.
func FuzzParseOptions(f *testing.F) {
	f.Add([]byte(`{"sides":["https://a.example"],"agent":{"id":"1"},"auth":{"username":"u","password":"` + testPassword + `"},"transport":"bosh"}`))
	f.Add([]byte(`{"sides":[{"rest":"https://a.example","bosh":1}],"policy":{"jitterMs":"x"}}`))
	f.Add([]byte(`{"sides":[42],"agent":null,"fallback":"no"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := checked(data)
		if err == nil {
			require.NotEmpty(t, cfg.Sides)
			return
		}
		var oe *OptionError
		require.ErrorAs(t, err, &oe)
		require.True(t, strings.HasPrefix(oe.Field, "options"), oe.Field)
		if !strings.Contains(oe.Reason, "unknown option") { // which quotes the page's key, not a value
			require.NotContains(t, oe.Reason, testPassword)
		}
	})
}
