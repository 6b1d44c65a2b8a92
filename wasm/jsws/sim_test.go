//go:build js && wasm

package jsws

import (
	"net/http"
	"strings"
	"testing"

	"github.com/finesse-ha/finesse-ha/internal/ws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The simulator's /ws/ (internal/sim) is an RFC 7395 server written apart
// from this client; build/wasmtest starts a pair for this package alone
// (FINESSE_HA_WSSIM_*), so the kill fault below cannot disturb another
// package's tests running at the same time.

// simControl posts a control API request to the jsws simulator.
func simControl(t *testing.T, path, body string) {
	t.Helper()
	status, b := fetch(t, http.MethodPost, env(t, "FINESSE_HA_WSSIM_CONTROL")+path, "application/json", body)
	require.Less(t, status, 300, "%s: %s", path, b)
}

// killSideA kills the simulator's side A and restores it when the test ends.
func killSideA(t *testing.T) {
	t.Helper()
	t.Cleanup(func() { simControl(t, "/control/fault", `{"fault":"restore","side":"A"}`) })
	simControl(t, "/control/fault", `{"fault":"kill","side":"A"}`)
}

// readUntil reads messages until one contains want and returns it.
func readUntil(t *testing.T, c ws.Conn, want string) string {
	t.Helper()
	for {
		msg, err := c.Read(testCtx(t))
		require.NoError(t, err, "waiting for %q", want)
		if strings.Contains(string(msg), want) {
			return string(msg)
		}
	}
}

// TestSimulatorStreamThenKill opens an RFC 7395 stream on the simulator,
// sees its features, and reads the abnormal closure (1006) a killed side
// gives: the signal the notification session turns into Lost.
func TestSimulatorStreamThenKill(t *testing.T) {
	c, err := Dial(testCtx(t), env(t, "FINESSE_HA_WSSIM_A"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(ws.CloseNormal, "") })

	domain := env(t, "FINESSE_HA_WSSIM_DOMAIN_A")
	open := `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="` + domain + `" version="1.0"/>`
	require.NoError(t, c.Write(testCtx(t), []byte(open)))
	readUntil(t, c, "<open")
	features := readUntil(t, c, "features")
	assert.Contains(t, features, "PLAIN", "SASL PLAIN is offered")

	killSideA(t)
	for {
		_, err := c.Read(testCtx(t))
		if err != nil {
			requireCloseError(t, err, ws.CloseAbnormal, "")
			break
		}
	}
	// And a dial while it is dead is a dial error, so the session falls back.
	_, err = Dial(testCtx(t), env(t, "FINESSE_HA_WSSIM_A"))
	assert.ErrorIs(t, err, ws.ErrDial)
}
