//go:build !js

package native

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/finesse-ha/finesse-ha/internal/ws"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// server runs handler on every accepted xmpp socket; the returned URL is ws://.
func server(t *testing.T, protos []string, handler func(*websocket.Conn)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: protos})
		if err != nil {
			return
		}
		c.SetReadLimit(4 << 20)
		handler(c)
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// echo answers every text message with itself until the socket ends.
func echo(c *websocket.Conn) {
	for {
		typ, b, err := c.Read(context.Background())
		if err != nil {
			return
		}
		if err := c.Write(context.Background(), typ, b); err != nil {
			return
		}
	}
}

func TestDialOffersXMPPAndCarriesMessages(t *testing.T) {
	url := server(t, []string{ws.Subprotocol}, echo)
	c, err := Dial(testCtx(t), url)
	require.NoError(t, err)
	defer c.Close(ws.CloseNormal, "")

	for _, msg := range [][]byte{[]byte(`<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='x' version='1.0'/>`), bytes.Repeat([]byte("a"), 200<<10)} {
		require.NoError(t, c.Write(testCtx(t), msg))
		got, err := c.Read(testCtx(t))
		require.NoError(t, err)
		assert.Equal(t, msg, got, "a message larger than the library's 32 KiB default arrives whole")
	}
}

func TestReadLimitClosesWithMessageTooBig(t *testing.T) {
	url := server(t, []string{ws.Subprotocol}, func(c *websocket.Conn) {
		_ = c.Write(context.Background(), websocket.MessageText, bytes.Repeat([]byte("a"), MaxMessageSize+1))
		echo(c)
	})
	c, err := Dial(testCtx(t), url)
	require.NoError(t, err)
	defer c.Close(ws.CloseNormal, "")
	_, err = c.Read(testCtx(t))
	var ce *ws.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 1009, ce.Code)
}

func TestDialFailuresWrapErrDial(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refused := "ws://" + l.Addr().String() + "/ws/"
	require.NoError(t, l.Close())

	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()

	cases := map[string]struct {
		url   string
		cause error
	}{
		"refused":        {url: refused},
		"404":            {url: "ws" + strings.TrimPrefix(notFound.URL, "http") + "/ws/"},
		"no subprotocol": {url: server(t, nil, echo), cause: ws.ErrSubprotocol},
		"other protocol": {url: server(t, []string{"mqtt"}, echo), cause: ws.ErrSubprotocol},
		"bad URL":        {url: "ftp://127.0.0.1/ws/"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := Dial(testCtx(t), tc.url)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.ErrorIs(t, err, ws.ErrDial)
			if tc.cause != nil {
				assert.ErrorIs(t, err, tc.cause)
			} else {
				assert.False(t, errors.Is(err, ws.ErrSubprotocol))
			}
		})
	}
}

func TestDialHonoursContext(t *testing.T) {
	// A listener that accepts and never answers the upgrade.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = Dial(ctx, "ws://"+l.Addr().String()+"/ws/")
	assert.ErrorIs(t, err, ws.ErrDial)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestReadReportsPeerCloseFrame(t *testing.T) {
	url := server(t, []string{ws.Subprotocol}, func(c *websocket.Conn) {
		_ = c.Write(context.Background(), websocket.MessageText, []byte("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>"))
		_ = c.Close(websocket.StatusNormalClosure, "bye")
	})
	c, err := Dial(testCtx(t), url)
	require.NoError(t, err)
	defer c.Close(ws.CloseNormal, "")
	msg, err := c.Read(testCtx(t))
	require.NoError(t, err, "the message before the close frame is delivered")
	assert.Contains(t, string(msg), "<close")
	_, err = c.Read(testCtx(t))
	var ce *ws.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, ws.CloseNormal, ce.Code)
	assert.Equal(t, "bye", ce.Reason)
}

func TestReadReportsDroppedConnectionAsAbnormal(t *testing.T) {
	url := server(t, []string{ws.Subprotocol}, func(c *websocket.Conn) {
		_ = c.CloseNow() // TCP closed, no close frame: a killed server
	})
	c, err := Dial(testCtx(t), url)
	require.NoError(t, err)
	defer c.Close(ws.CloseNormal, "")
	_, err = c.Read(testCtx(t))
	var ce *ws.CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, ws.CloseAbnormal, ce.Code)
}

func TestReadContextAndLocalClose(t *testing.T) {
	url := server(t, []string{ws.Subprotocol}, echo)
	c, err := Dial(testCtx(t), url)
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Read(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	c2, err := Dial(testCtx(t), url)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := c2.Read(context.Background())
		done <- err
	}()
	require.NoError(t, c2.Close(ws.CloseGoingAway, "leaving"))
	require.NoError(t, c2.Close(ws.CloseGoingAway, "leaving"), "a second Close is harmless")
	select {
	case err := <-done:
		var ce *ws.CloseError
		require.ErrorAs(t, err, &ce, "a pending Read ends when the socket is closed")
		assert.Equal(t, ws.CloseGoingAway, ce.Code)
	case <-time.After(10 * time.Second):
		t.Fatal("Read still pending after Close")
	}
	assert.Error(t, c2.Write(testCtx(t), []byte("<x/>")), "no writes after Close")
}

func TestNewDialerUsesTheGivenClient(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{ws.Subprotocol}})
		if err != nil {
			return
		}
		echo(c)
	}))
	defer srv.Close()
	url := "wss" + strings.TrimPrefix(srv.URL, "https")

	_, err := Dial(testCtx(t), url)
	assert.ErrorIs(t, err, ws.ErrDial, "the default client does not trust the test certificate")

	c, err := NewDialer(srv.Client())(testCtx(t), url)
	require.NoError(t, err)
	defer c.Close(ws.CloseNormal, "")
	require.NoError(t, c.Write(testCtx(t), []byte("<x/>")))
	got, err := c.Read(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "<x/>", string(got))
}
