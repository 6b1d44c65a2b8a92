//go:build js && wasm

package jsws

import (
	"errors"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/notify"
	"github.com/finesse-ha/finesse-ha/internal/ws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The notification session over jsws.Dial, in Chromium, against a real
// Prosody's mod_websocket (internal/testkit/xmpptest, started by build/wasmtest):
// the server the native tests of internal/notify use, written apart from
// both this client and the simulator. The page is on another origin than
// Prosody, as a CRM page is on another origin than Finesse.
// build/wasmtest's control server (FINESSE_HA_PROSODY_CONTROL) publishes
// as Finesse would and kills Prosody as a crash would.

// prosodyEndpoint is the agent's endpoint on the Prosody fixture. Outside
// CI without prosody installed, the runner says so and the test skips, as
// internal/testkit/xmpptest's tests do.
func prosodyEndpoint(t *testing.T) notify.Endpoint {
	t.Helper()
	if why := os.Getenv("FINESSE_HA_PROSODY_SKIP"); why != "" {
		t.Skip(why)
	}
	return notify.Endpoint{
		WebSocketURL: env(t, "FINESSE_HA_PROSODY_WS"),
		Domain:       env(t, "FINESSE_HA_PROSODY_DOMAIN"),
		Username:     env(t, "FINESSE_HA_PROSODY_AGENT"),
		Password:     env(t, "FINESSE_HA_PROSODY_PASSWORD"),
		Resource:     "jsws-prosody",
	}
}

type prosodyEvents struct {
	sessionEvents
	presence chan bool
}

func dialProsody(t *testing.T, ep notify.Endpoint) (notify.Session, *prosodyEvents, error) {
	t.Helper()
	ev := &prosodyEvents{
		sessionEvents: sessionEvents{updates: make(chan *finesse.Update, 16), lost: make(chan error, 1)},
		presence:      make(chan bool, 4),
	}
	l := ev.listener()
	l.FinessePresence = func(available bool) {
		select {
		case ev.presence <- available:
		default:
		}
	}
	s, err := notify.NewWebSocketDialer(Dial, notify.Options{}).Dial(testCtx(t), ep, l)
	if err == nil {
		t.Cleanup(func() { _ = s.Close() })
	}
	return s, ev, err
}

// prosodyControl posts to the runner's Prosody control server.
func prosodyControl(t *testing.T, path, body string) {
	t.Helper()
	status, b := fetch(t, http.MethodPost, env(t, "FINESSE_HA_PROSODY_CONTROL")+path, "application/xml", body)
	require.Equal(t, http.StatusNoContent, status, "%s: %s", path, b)
}

func TestProsodySessionUpdateAndPing(t *testing.T) {
	ep := prosodyEndpoint(t)
	// Dial returns after bind and the server's echo of the initial presence.
	s, ev, err := dialProsody(t, ep)
	require.NoError(t, err)
	select {
	case available := <-ev.presence:
		assert.False(t, available, "no finesse user is logged in to the fixture")
	case <-time.After(10 * time.Second):
		t.Fatal("finesse's presence not reported at login")
	}

	node := "/finesse/api/User/" + ep.Username
	requestID := "jsws-" + uniqueID(t)
	update := `<Update><data><user><loginId>` + ep.Username + `</loginId><state>NOT_READY</state></user></data>` +
		`<event>PUT</event><requestId>` + requestID + `</requestId><source>` + node + `</source></Update>`
	prosodyControl(t, "/publish?node="+node+"&id="+requestID, update)
	select {
	case u := <-ev.updates:
		assert.Equal(t, node, u.Node)
		assert.Equal(t, requestID, u.RequestID)
		user, err := u.User()
		require.NoError(t, err)
		assert.Equal(t, "NOT_READY", string(user.State))
	case err := <-ev.lost:
		t.Fatalf("session lost before the update: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the published update did not arrive within 10s")
	}

	require.NoError(t, s.Ping(testCtx(t)))
}

func TestProsodyBadPasswordIsUnauthorized(t *testing.T) {
	ep := prosodyEndpoint(t)
	ep.Password = "wrong-secret-pw"
	_, _, err := dialProsody(t, ep)
	require.Error(t, err)
	assert.ErrorIs(t, err, notify.ErrUnauthorized)
	assert.False(t, errors.Is(err, ws.ErrDial), "the socket was open: no reason to fall back")
	assert.NotContains(t, err.Error(), "wrong-secret-pw")
}

// TestProsodyKillIsLostAbnormally kills Prosody under an open session, then
// restarts it (also when the test fails early, for the tests after it).
func TestProsodyKillIsLostAbnormally(t *testing.T) {
	ep := prosodyEndpoint(t)
	s, ev, err := dialProsody(t, ep)
	require.NoError(t, err)
	require.NoError(t, s.Ping(testCtx(t)))

	restarted := false
	t.Cleanup(func() {
		if !restarted {
			prosodyControl(t, "/restart", "")
		}
	})
	prosodyControl(t, "/kill", "")
	select {
	case err := <-ev.lost:
		var lost *notify.LostError
		assert.True(t, errors.As(err, &lost), "a *notify.LostError: %v", err)
		requireCloseError(t, err, ws.CloseAbnormal, "")
	case <-time.After(10 * time.Second):
		t.Fatal("Lost not called within 10s of the kill")
	}
	assert.Error(t, s.Ping(testCtx(t)), "a lost session does not answer")

	// While Prosody is down a dial fails to open the socket (so the
	// fallback dialer may try BOSH); once it is back, a fresh session works.
	_, _, err = dialProsody(t, ep)
	assert.ErrorIs(t, err, ws.ErrDial)
	prosodyControl(t, "/restart", "")
	restarted = true
	s2, _, err := dialProsody(t, ep)
	require.NoError(t, err)
	require.NoError(t, s2.Ping(testCtx(t)))
}

// TestProsodyGracefulStopIsLostWithSystemShutdown stops Prosody with
// SIGTERM: it ends every stream with <system-shutdown/>, <close/> and a
// close frame, which the session reports as a *notify.StreamError. Prosody
// 0.12.3 sometimes closes the socket before those writes leave (see
// internal/notify's TestProsodyWSGracefulStopIsLostWithSystemShutdown), so
// a plain 1006 drop is retried a few times, as there.
func TestProsodyGracefulStopIsLostWithSystemShutdown(t *testing.T) {
	ep := prosodyEndpoint(t)
	t.Cleanup(func() { prosodyControl(t, "/restart", "") })
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			prosodyControl(t, "/restart", "")
		}
		s, ev, err := dialProsody(t, ep)
		require.NoError(t, err)
		require.NoError(t, s.Ping(testCtx(t)))
		time.Sleep(100 * time.Millisecond) // let Prosody's writes drain; see above
		prosodyControl(t, "/stop", "")
		select {
		case err = <-ev.lost:
		case <-time.After(10 * time.Second):
			t.Fatal("Lost not called within 10s of the stop")
		}
		_ = s.Close()
		var ce *ws.CloseError
		require.ErrorAs(t, err, &ce, "the close code is part of the cause")
		var se *notify.StreamError
		if !errors.As(err, &se) && attempt < 4 {
			assert.Equal(t, ws.CloseAbnormal, ce.Code, "without the stream error, a drop")
			t.Logf("attempt %d: Prosody's shutdown message was lost: %v", attempt, err)
			continue
		}
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "system-shutdown", se.Condition)
		assert.Equal(t, ws.CloseNormal, ce.Code)
		return
	}
}
