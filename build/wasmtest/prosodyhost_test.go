package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/notify"
	"github.com/finesse-ha/finesse-ha/internal/testkit/xmpptest"
	"github.com/finesse-ha/finesse-ha/internal/ws/native"
)

// The Prosody control server checked natively, with the notification
// session over a native WebSocket as the agent: a failing browser test
// then points at jsws, not at its fixture.

func startProsodyHost(t *testing.T) (*prosodyHost, *xmpptest.Server) {
	t.Helper()
	srv := xmpptest.Start(t, xmpptest.Options{})
	h, err := newProsodyHost(srv, io.Discard)
	require.NoError(t, err)
	t.Cleanup(h.Close)
	return h, srv
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/xml")
	resp, text := do(t, req)
	return resp.StatusCode, text
}

func agentSession(t *testing.T, srv *xmpptest.Server) (chan *finesse.Update, chan error) {
	t.Helper()
	updates, lost := make(chan *finesse.Update, 8), make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := notify.NewWebSocketDialer(native.Dial, notify.Options{}).Dial(ctx, notify.Endpoint{
		WebSocketURL: srv.WebSocketURL + "/",
		Domain:       srv.Domain,
		Username:     prosodyAgent,
		Password:     srv.Agents[prosodyAgent],
		Resource:     "wasmtest",
	}, notify.Listener{
		Update: func(u *finesse.Update) { updates <- u },
		Lost:   func(err error) { lost <- err },
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return updates, lost
}

func userUpdate(requestID string) string {
	return `<Update><data><user><loginId>1001</loginId><state>READY</state></user></data>` +
		`<event>PUT</event><requestId>` + requestID + `</requestId><source>/finesse/api/User/1001</source></Update>`
}

func TestProsodyHostPublishesToTheAgent(t *testing.T) {
	h, srv := startProsodyHost(t)
	updates, _ := agentSession(t, srv)
	node := "/finesse/api/User/" + prosodyAgent

	// Twice: the second publish re-subscribes an already subscribed agent.
	for _, id := range []string{"r1", "r2"} {
		code, body := post(t, h.URL+"/publish?node="+node+"&id="+id, userUpdate(id))
		require.Equal(t, http.StatusNoContent, code, body)
		select {
		case u := <-updates:
			assert.Equal(t, node, u.Node)
			assert.Equal(t, id, u.RequestID)
		case <-time.After(10 * time.Second):
			t.Fatalf("update %s not delivered", id)
		}
	}

	code, _ := post(t, h.URL+"/publish?node="+node, userUpdate("x"))
	assert.Equal(t, http.StatusBadRequest, code, "no item id")
	code, _ = post(t, h.URL+"/publish?node="+node+"&id=x", "")
	assert.Equal(t, http.StatusBadRequest, code, "no body")
}

func TestProsodyHostKillAndRestart(t *testing.T) {
	h, srv := startProsodyHost(t)
	_, lost := agentSession(t, srv)

	code, body := post(t, h.URL+"/kill", "")
	require.Equal(t, http.StatusNoContent, code, body)
	assert.False(t, srv.Running(), "killed when /kill answers")
	select {
	case <-lost:
	case <-time.After(10 * time.Second):
		t.Fatal("the agent's session was not lost")
	}
	code, body = post(t, h.URL+"/publish?node=/n&id=x", userUpdate("x"))
	assert.Equal(t, http.StatusBadGateway, code, "publishing to a dead Prosody: %s", body)

	code, body = post(t, h.URL+"/restart", "")
	require.Equal(t, http.StatusNoContent, code, body)
	assert.True(t, srv.Running(), "serving when /restart answers")
	updates, _ := agentSession(t, srv)
	code, body = post(t, h.URL+"/publish?node=/finesse/api/User/1001&id=r3", userUpdate("r3"))
	require.Equal(t, http.StatusNoContent, code, body)
	select {
	case u := <-updates:
		assert.Equal(t, "r3", u.RequestID)
	case <-time.After(10 * time.Second):
		t.Fatal("no update after the restart")
	}
}

// Without prosody the fixture follows xmpptest's rule: an error under CI
// (like a missing Chromium), a reason to skip elsewhere.
func TestProsodyFixtureWithoutProsody(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("FINESSE_HA_REQUIRE_DEPS", "")

	t.Setenv("CI", "true")
	_, _, err := startProsody()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "apt-get install prosody")
	assert.Contains(t, err.Error(), "CI=true")

	t.Setenv("CI", "")
	env, stop, err := startProsody()
	require.NoError(t, err)
	stop()
	assert.Contains(t, env[EnvProsodySkip], "prosody is not installed")
	assert.Empty(t, env[EnvProsodyWS])
}
