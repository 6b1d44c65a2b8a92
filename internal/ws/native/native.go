//go:build !js

// Package native is the ws.Conn of native builds (tests, the load tool, the
// simulator's clients) on github.com/coder/websocket. The browser build uses
// wasm/jsws instead; nothing the js/wasm build links may import this
// package, since it pulls in net/http's client.
package native

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/coder/websocket"

	"github.com/finesse-ha/finesse-ha/internal/ws"
)

// MaxMessageSize bounds one incoming message. A Finesse Update for a
// conference dialog with many call variables runs to tens of KB, beyond
// the library's default of 32 KiB. A message is one stanza (RFC 7395
// §3.3), not a batch like a BOSH body, so 1 MiB leaves ample room; a
// larger one closes the socket with 1009 and the session is lost.
const MaxMessageSize = 1 << 20

// Dial opens a WebSocket to url with http.DefaultClient (a ws.DialFunc).
func Dial(ctx context.Context, url string) (ws.Conn, error) {
	return dial(ctx, nil, url)
}

// NewDialer returns a ws.DialFunc that opens sockets through hc, e.g. a
// client with a test server's TLS configuration. hc must have no Timeout
// (coder/websocket refuses one; the dial's ctx bounds the handshake). A
// nil hc means http.DefaultClient.
func NewDialer(hc *http.Client) ws.DialFunc {
	return func(ctx context.Context, url string) (ws.Conn, error) {
		return dial(ctx, hc, url)
	}
}

var _ ws.DialFunc = Dial

func dial(ctx context.Context, hc *http.Client, url string) (ws.Conn, error) {
	c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		HTTPClient:   hc,
		Subprotocols: []string{ws.Subprotocol},
	})
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, &dialError{err: err}
	}
	if c.Subprotocol() != ws.Subprotocol {
		_ = c.CloseNow()
		return nil, &dialError{err: ws.ErrSubprotocol}
	}
	c.SetReadLimit(MaxMessageSize)
	return &conn{c: c}, nil
}

// dialError keeps both chains: ws.ErrDial says "fall back to BOSH is
// allowed", the cause says why (and carries the dial context's error).
type dialError struct{ err error }

func (e *dialError) Error() string   { return ws.ErrDial.Error() + ": " + e.err.Error() }
func (e *dialError) Unwrap() []error { return []error{ws.ErrDial, e.err} }

// conn adapts *websocket.Conn to ws.Conn.
type conn struct {
	c *websocket.Conn

	mu    sync.Mutex
	local *ws.CloseError // set by Close: Reads after it report our own close
	ended bool           // a Read saw the socket end
}

// Read returns the next message. Every way the socket can end is a
// *ws.CloseError: the peer's close frame as sent, our own Close, or
// CloseAbnormal for a dropped connection, wrapped with what the library
// saw so that the log says how it broke.
func (c *conn) Read(ctx context.Context) ([]byte, error) {
	_, b, err := c.c.Read(ctx)
	if err == nil {
		return b, nil
	}
	if ctx.Err() != nil {
		c.markEnded()
		return nil, context.Cause(ctx)
	}
	c.mu.Lock()
	c.ended = true
	local := c.local
	c.mu.Unlock()
	var ce websocket.CloseError
	switch {
	case errors.As(err, &ce):
		return nil, &ws.CloseError{Code: int(ce.Code), Reason: ce.Reason}
	case local != nil:
		return nil, local
	case errors.Is(err, websocket.ErrMessageTooBig):
		// The library has closed the socket with 1009 itself.
		return nil, &ws.CloseError{Code: int(websocket.StatusMessageTooBig), Reason: "message exceeds read limit"}
	}
	return nil, fmt.Errorf("%w: %v", &ws.CloseError{Code: ws.CloseAbnormal}, err)
}

func (c *conn) markEnded() {
	c.mu.Lock()
	c.ended = true
	c.mu.Unlock()
}

// Write sends msg as one text message (RFC 7395 §3.2: text frames only).
func (c *conn) Write(ctx context.Context, msg []byte) error {
	return c.c.Write(ctx, websocket.MessageText, msg)
}

// Close performs the closing handshake unless the socket has already
// ended, in which case there is no one to shake hands with and the
// library would wait seconds for a close frame that cannot come.
func (c *conn) Close(code int, reason string) error {
	c.mu.Lock()
	if c.local != nil {
		c.mu.Unlock()
		return nil
	}
	c.local = &ws.CloseError{Code: code, Reason: reason}
	ended := c.ended
	c.mu.Unlock()
	if ended {
		return ignoreClosed(c.c.CloseNow())
	}
	return ignoreClosed(c.c.Close(websocket.StatusCode(code), reason))
}

// ignoreClosed hides the errors of a close that found the connection
// already gone: the caller wanted it gone.
func ignoreClosed(err error) error {
	var ce websocket.CloseError
	if err == nil || errors.As(err, &ce) {
		return nil
	}
	if errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return err
}
