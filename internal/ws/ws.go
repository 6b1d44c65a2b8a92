// Package ws is the contract between the XMPP-over-WebSocket session
// (RFC 7395, in internal/notify) and a WebSocket implementation: natively
// internal/ws/native (github.com/coder/websocket), in the browser
// wasm/jsws (the page's WebSocket through safejs). It holds no
// implementation, so the wasm build links neither net/http nor a native
// WebSocket library through it.
package ws

import (
	"context"
	"errors"
	"fmt"
)

// Subprotocol is the WebSocket subprotocol of RFC 7395 §3.1. A server that
// does not select it is not speaking XMPP framing and the dial fails.
const Subprotocol = "xmpp"

// Close codes of RFC 6455 §7.4.1 that the notification session tells apart.
const (
	CloseNormal    = 1000 // the server ended the stream (RFC 7395 <close/>, or after a stream error)
	CloseGoingAway = 1001
	CloseAbnormal  = 1006 // no close frame: the peer vanished (killed, network cut)
)

// Conn is one open WebSocket carrying one XMPP element per text message.
// Read and Write may be called from different goroutines; neither is
// called concurrently with itself.
type Conn interface {
	// Read returns the next text message. When the socket closes it returns
	// a *CloseError (wrapped or not) saying how; ctx ends a pending Read
	// with ctx's error and leaves the socket unusable.
	Read(ctx context.Context) ([]byte, error)
	// Write sends msg as one text message.
	Write(ctx context.Context, msg []byte) error
	// Close sends a close frame with code and reason and releases the
	// socket; a pending Read ends with a *CloseError (the session's reader
	// waits on a context that is never cancelled, so Close must wake it).
	// Calling it more than once is harmless.
	Close(code int, reason string) error
}

// DialFunc opens a WebSocket to url offering Subprotocol. It fails unless
// the server selected Subprotocol. Errors must not quote credentials; the
// URL carries none.
type DialFunc func(ctx context.Context, url string) (Conn, error)

// CloseError says how a socket closed: the code of the peer's close frame,
// or CloseAbnormal when the connection dropped without one.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("websocket closed with code %d", e.Code)
	}
	return fmt.Sprintf("websocket closed with code %d (%s)", e.Code, e.Reason)
}

// ErrSubprotocol is the cause of a dial whose server did not select the
// xmpp subprotocol.
var ErrSubprotocol = errors.New(`websocket: server did not select subprotocol "xmpp"`)

// ErrDial wraps every failure to open a socket (refused, TLS, HTTP status
// other than 101), so the notification session can fall back to BOSH on
// exactly these and never after a session was established.
var ErrDial = errors.New("websocket: could not open")
