package main

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Native checks of the WebSocket endpoints, so that a failing jsws test in
// the browser points at jsws, not at its fixture.

func wsDial(t *testing.T, ctx context.Context, url string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		Subprotocols: []string{"xmpp"},
		HTTPHeader:   http.Header{"Origin": {"http://127.0.0.1:9"}},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func wsCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestWSEchoAndClosedReport(t *testing.T) {
	h := startHost(t)
	ctx := wsCtx(t)
	c := wsDial(t, ctx, h.WSURL+"/ws/echo?id=e1")
	assert.Equal(t, "xmpp", c.Subprotocol())
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte("<presence/>")))
	typ, msg, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, websocket.MessageText, typ)
	assert.Equal(t, "<presence/>", string(msg))
	require.NoError(t, c.Close(4001, "done"))
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/ws/closed?id=e1", nil)
	resp, body := do(t, req)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "4001 done", body)
}

func TestWSCloseSendsMessagesThenCode(t *testing.T) {
	h := startHost(t)
	ctx := wsCtx(t)
	c := wsDial(t, ctx, h.WSURL+"/ws/close?code=4002&reason=bye&n=2")
	for _, want := range []string{"m0", "m1"} {
		_, msg, err := c.Read(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, string(msg))
	}
	_, _, err := c.Read(ctx)
	var ce websocket.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, websocket.StatusCode(4002), ce.Code)
	assert.Equal(t, "bye", ce.Reason)
}

func TestWSDropHasNoCloseFrame(t *testing.T) {
	h := startHost(t)
	ctx := wsCtx(t)
	c := wsDial(t, ctx, h.WSURL+"/ws/drop?id=d1")
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte("go")))
	_, _, err := c.Read(ctx)
	require.Error(t, err)
	assert.Equal(t, websocket.StatusCode(-1), websocket.CloseStatus(err), "no close frame: %v", err)
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/ws/closed?id=d1", nil)
	_, body := do(t, req)
	assert.Equal(t, "none", body, "the server saw the message, not a close")
}

func TestWSNoProtoSelectsNone(t *testing.T) {
	h := startHost(t)
	ctx := wsCtx(t)
	c := wsDial(t, ctx, h.WSURL+"/ws/noproto")
	assert.Equal(t, "", c.Subprotocol())
}

func TestWSRefusesBadParametersAndOrigins(t *testing.T) {
	h := startHost(t)
	for _, path := range []string{"/ws/close?code=99", "/ws/close?code=1000&n=-1", "/ws/closed"} {
		req, _ := http.NewRequest(http.MethodGet, h.URL+path, nil)
		resp, _ := do(t, req)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, path)
	}
	_, resp, err := websocket.Dial(wsCtx(t), h.WSURL+"/ws/echo", &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"https://evil.example.com"}},
	})
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

func TestWSHostCloseEndsSockets(t *testing.T) {
	h, err := newTestHost("127.0.0.1:0", io.Discard)
	require.NoError(t, err)
	ctx := wsCtx(t)
	c := wsDial(t, ctx, h.WSURL+"/ws/echo")
	h.Close()
	_, _, err = c.Read(ctx)
	assert.Error(t, err, "a hijacked socket must not outlive the host")
}
