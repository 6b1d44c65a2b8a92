package e2e

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/sim"
)

// diagnosticsBundle is what these tests read of client.diagnostics().
type diagnosticsBundle struct {
	Version string `json:"version"`
	Runtime string `json:"runtime"`
	Options struct {
		Auth     string `json:"auth"`
		LogLevel string `json:"logLevel"`
	} `json:"options"`
	Snapshot struct {
		Connection ssoConnection `json:"connection"`
	} `json:"snapshot"`
	History []struct{ What string } `json:"history"`
	Log     []struct {
		Level, Source, Message string
	} `json:"log"`
}

// secretForms are a credential as given, in base64, in a Basic header and
// in a SASL PLAIN response.
func secretForms(user, secret string) []string {
	enc := base64.StdEncoding.EncodeToString
	return []string{secret, enc([]byte(secret)), enc([]byte(user + ":" + secret)), enc([]byte("\x00" + user + "\x00" + secret))}
}

// A client in each runtime signs in with a password, takes a token from
// setAuth and uses it after a failover (REST Bearer and SASL PLAIN); the
// diagnostics bundle a support engineer would copy, and every 'log' event
// the page received, hold neither credential in any form.
func TestDiagnosticsHoldNoCredential(t *testing.T) {
	for _, rt := range []string{"page", "shared-worker", "worker"} {
		t.Run(rt, func(t *testing.T) {
			const password, token = "pw-Diag-4c3b2a1908", "tok-Diag-7e6d5c4b3a2918"
			pair := env(t).newPair(t, sim.Config{Password: password, Token: token})
			require.NoError(t, pair.SignIn(scenarioAgent, true))
			ctx := openSSOPage(t, pair, 2*time.Minute)

			var opts map[string]any
			require.NoError(t, json.Unmarshal([]byte(ssoOptions(pair, map[string]string{"username": scenarioAgent, "password": password})), &opts))
			opts["runtime"] = rt
			opts["logLevel"] = "debug"
			raw, err := json.Marshal(opts)
			require.NoError(t, err)
			var startErr string
			require.NoError(t, evalJS(ctx, `window.sso.start(`+string(raw)+`)`, &startErr))
			require.Empty(t, startErr, "createClient rejected")
			require.NoError(t, evalJS(ctx, `(window.logs = [], window.sso.client.on('log', (e) => window.logs.push(e)), true)`, nil))
			waitSSO(t, ctx, "connected on A", firstConnect, func(c ssoConnection) bool { return c.State == "connected" && c.Side == "A" })

			var msg string
			require.NoError(t, evalJS(ctx, `window.sso.setAuth({token: '`+token+`'})`, &msg))
			require.Empty(t, msg)
			sideFault(t, pair, sim.FaultKill, "A")
			waitSSO(t, ctx, "connected on B with the token", failoverBound, func(c ssoConnection) bool { return c.State == "connected" && c.Side == "B" })

			var text, logs string
			require.NoError(t, evalJS(ctx, `window.sso.client.diagnostics().then((d) => JSON.stringify(d))`, &text))
			require.NoError(t, evalJS(ctx, `JSON.stringify(window.logs)`, &logs))
			for _, f := range append(secretForms(scenarioAgent, password), secretForms(scenarioAgent, token)...) {
				assert.NotContains(t, text, f, "diagnostics() holds a credential")
				assert.NotContains(t, logs, f, "a log event holds a credential")
			}

			var d diagnosticsBundle
			require.NoError(t, json.Unmarshal([]byte(text), &d))
			assert.NotEmpty(t, d.Version)
			assert.Equal(t, rt, d.Runtime)
			assert.Equal(t, "password", d.Options.Auth, "the kind of the first credentials only")
			assert.Equal(t, "debug", d.Options.LogLevel)
			assert.Equal(t, "connected", d.Snapshot.Connection.State)
			assert.Equal(t, "B", d.Snapshot.Connection.Side)
			assert.NotEmpty(t, d.History)
			var sawSwitch, sawCredentials, sawWrapper bool
			for _, l := range d.Log {
				sawSwitch = sawSwitch || (l.Source == "event" && strings.HasPrefix(l.Message, "connection connected, reason switched"))
				sawCredentials = sawCredentials || (l.Source == "history" && strings.HasPrefix(l.Message, "credentials"))
				sawWrapper = sawWrapper || (l.Source == "wrapper" && strings.HasPrefix(l.Message, "runtime '"+rt+"'"))
			}
			assert.True(t, sawSwitch && sawCredentials && sawWrapper, "the log tells the story (switch, setAuth, runtime): %s", text)
			assert.Contains(t, logs, `"level":"warn"`, "the failover reached the page as log events")
			for _, s := range []*sim.Side{pair.A(), pair.B()} {
				assert.Empty(t, s.Metrics().UnauthorizedBy, "side %s refused a credential", s.Name())
			}
		})
	}
}
