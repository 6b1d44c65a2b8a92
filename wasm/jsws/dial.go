//go:build js && wasm

package jsws

import (
	"context"
	"errors"
	"net/url"
	"syscall/js"

	"github.com/finesse-ha/finesse-ha/internal/ws"
	"github.com/finesse-ha/finesse-ha/wasm/jsutil"
	"github.com/hack-pad/safejs"
)

// Dial opens a WebSocket to rawURL (ws:// or wss://) offering the xmpp
// subprotocol and waits until it is open, it fails, or ctx ends. It is a
// ws.DialFunc. Every error wraps ws.ErrDial (it is a *DialError).
func Dial(ctx context.Context, rawURL string) (_ ws.Conn, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error quotes the URL; the browser's SyntaxError may too.
		return nil, &DialError{URL: "(malformed URL)", Err: errMalformedURL}
	}
	if u.User != nil {
		// Refused before the browser sees it, so that no console message
		// or SyntaxError text can quote the password.
		u.User = nil
		return nil, &DialError{URL: u.String(), Err: errUserinfo}
	}
	shown := rawURL
	defer func() {
		if _, ok := err.(*DialError); err != nil && !ok {
			err = &DialError{URL: shown, Err: err}
		}
	}()
	// A JS value of an unexpected shape must not end the runtime; this runs
	// before the wrapping above, so a panic becomes a DialError too.
	defer jsutil.Recover(&err)
	if err := ctx.Err(); err != nil {
		return nil, &DialError{URL: shown, Err: err}
	}
	c, err := open(rawURL)
	if err != nil {
		return nil, &DialError{URL: shown, Err: err}
	}
	for {
		c.mu.Lock()
		opened, term, code := c.opened, c.term, c.closeCode
		c.mu.Unlock()
		switch {
		case term != nil:
			// Closed before opening: the browser does not say why.
			return nil, &DialError{URL: shown, Code: code}
		case opened:
			proto, _ := c.sock.Get("protocol")
			if s, _ := proto.String(); s != ws.Subprotocol {
				_ = c.Close(ws.CloseNormal, "")
				return nil, &DialError{URL: shown, Err: ws.ErrSubprotocol}
			}
			return c, nil
		}
		select {
		case <-c.wake:
		case <-ctx.Done():
			_ = c.Close(ws.CloseNormal, "")
			return nil, &DialError{URL: shown, Err: ctx.Err()}
		}
	}
}

// open creates the socket and attaches the event handlers. Events are
// dispatched in later tasks of the event loop, so none can be missed by
// attaching them after the constructor returned.
func open(rawURL string) (*conn, error) {
	ctor, err := safejs.Global().Get("WebSocket")
	if err != nil {
		return nil, err
	}
	if ctor.Type() != safejs.TypeFunction {
		return nil, errNoWebSocket
	}
	protocols, err := safejs.ValueOf([]any{ws.Subprotocol})
	if err != nil {
		return nil, err
	}
	sock, err := ctor.New(rawURL, protocols)
	if err != nil {
		// A SyntaxError for a malformed URL or a scheme other than ws(s)
		// or http(s).
		return nil, thrown(err)
	}
	c := &conn{sock: sock, wake: make(chan struct{}, 1)}
	// Binary frames are not XMPP framing, but an ArrayBuffer is cheap to
	// copy where the default Blob would need an asynchronous read.
	_ = sock.Set("binaryType", "arraybuffer")
	handlers := []struct {
		name string
		fn   func(ev safejs.Value)
	}{
		{"onopen", c.onOpen},
		{"onmessage", c.onMessage},
		{"onclose", c.onClose},
		// The error event carries nothing (browsers hide the cause) and
		// is always followed by a close event with the code.
		{"onerror", func(safejs.Value) {}},
	}
	for _, h := range handlers {
		fn := h.fn
		f, err := jsutil.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
			if len(args) > 0 {
				fn(args[0])
			}
			return nil
		})
		if err == nil {
			c.funcs = append(c.funcs, f)
			err = sock.Set(h.name, f)
		}
		if err != nil {
			_, _ = sock.Call("close")
			c.release()
			return nil, err
		}
	}
	return c, nil
}

var (
	errNoWebSocket  = errors.New("jsws: this JS environment has no WebSocket")
	errMalformedURL = errors.New("jsws: malformed URL")
	errUserinfo     = errors.New("jsws: URL with credentials (user:password@) refused")
)

// thrown turns the exception safejs recovered from a JS call into an error
// saying "SyntaxError: ...", or returns err unchanged.
//
// It unwraps by hand rather than with errors.As, which would link
// reflectlite (about 30 KB of .wasm) into a bridge that may not need it.
func thrown(err error) error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if jsErr, ok := e.(js.Error); ok {
			rej := jsutil.Rejection(safejs.Safe(jsErr.Value))
			if rej.Name != "" {
				return errors.New(rej.Name + ": " + rej.Message)
			}
			return errors.New(rej.Message)
		}
	}
	return err
}
