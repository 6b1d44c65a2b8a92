package notify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/ws"
)

// closeElement is RFC 7395's end of stream, sent by whichever side leaves
// and answered by the other.
var closeElement = []byte(`<close xmlns='` + nsFraming + `'/>`)

// closeCodeWait bounds how long a lost session waits, after the server
// ended the stream (a stream error, <close/>), for the close frame that
// says how the socket ended: Prosody sends it right behind.
const closeCodeWait = 2 * time.Second

// wsConn lets the stream layer run an XMPP session over an RFC 7395 WebSocket.
// Writes are cut into elements (the framer) and each goes as one message;
// a classic </stream:stream> becomes <close/>. A pump goroutine reads the
// socket for as long as it is open, so the close frame and its code are
// seen even after the stream has stopped reading; it answers the server's
// <close/> with ours and hands the stream io.EOF there: the stream has
// ended.
//
// Read returns bytes of at most one message per call, for boshConn's
// reason: the stream replaces its xml.Decoder on each stream restart, and
// the old decoder must not have read ahead into the new stream.
type wsConn struct {
	c      ws.Conn
	ctx    context.Context // ends the stream's pending Reads and Writes on abort
	cancel context.CancelCauseFunc

	in       chan []byte   // messages from the pump; nil is the server's <close/>
	pumpDone chan struct{} // closed when the socket has ended (end is set)

	wmu sync.Mutex // serialises socket writes (the stream's and the pump's answer)
	fr  framer

	rmu sync.Mutex
	cur []byte
	eof bool

	smu         sync.Mutex
	saslFailure string
	end         error // how the socket ended, from the ws.Conn's Read
	serverClose bool  // the server sent <close/>
	sentClose   bool  // we sent <close/>
	ours        bool  // we are closing the socket, so its end is no failure
	hurry       bool  // the caller gave up: close without waiting for the server

	termOnce sync.Once
}

func newWSConn(c ws.Conn) *wsConn {
	ctx, cancel := context.WithCancelCause(context.Background())
	w := &wsConn{c: c, ctx: ctx, cancel: cancel, in: make(chan []byte, 16), pumpDone: make(chan struct{})}
	go w.pump()
	return w
}

func (c *wsConn) pump() {
	defer close(c.pumpDone)
	defer close(c.in)
	for {
		// Never cancelled: the socket's end (ours or the server's) ends it.
		msg, err := c.c.Read(context.Background())
		if err != nil {
			c.smu.Lock()
			c.end = err
			c.smu.Unlock()
			return
		}
		msg = bytes.TrimSpace(msg)
		switch {
		case len(msg) == 0:
			continue
		case isFramingClose(msg):
			c.smu.Lock()
			c.serverClose = true
			c.smu.Unlock()
			// RFC 7395 §3.6: answer with <close/>; the server then closes
			// the socket, which ends this loop.
			c.sendClose()
			msg = nil
		default:
			if cond, ok := saslFailure(msg); ok {
				c.smu.Lock()
				c.saslFailure = cond
				c.smu.Unlock()
			}
		}
		select {
		case c.in <- msg:
		case <-c.ctx.Done(): // nobody reads any more; keep draining to the end
		}
	}
}

// isFramingClose says whether msg is RFC 7395's <close/>, whatever its
// prefix or quoting.
func isFramingClose(msg []byte) bool {
	if !bytes.Contains(msg, []byte(nsFraming)) || !bytes.Contains(msg[:min(len(msg), 16)], []byte("close")) {
		return false
	}
	var f framer
	_ = f.write(msg)
	kind, _, ok, err := f.next()
	return err == nil && ok && kind == frameClose
}

// Read hands the stream the next message (or part of it).
func (c *wsConn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for len(c.cur) == 0 {
		if c.eof {
			return 0, io.EOF
		}
		select {
		case msg, ok := <-c.in:
			if !ok {
				return 0, c.endErr()
			}
			if msg == nil {
				c.eof = true
				continue
			}
			c.cur = msg
		case <-c.ctx.Done():
			return 0, c.abortErr()
		}
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

func (c *wsConn) endErr() error {
	c.smu.Lock()
	defer c.smu.Unlock()
	if c.end == nil {
		return io.EOF
	}
	return c.end
}

func (c *wsConn) abortErr() error {
	if cause := context.Cause(c.ctx); cause != nil && cause != context.Canceled {
		return cause
	}
	return io.EOF
}

// Write accepts any slice of the client's output stream and sends each
// complete element as one message.
func (c *wsConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.ctx.Err() != nil {
		return 0, c.abortErr()
	}
	err := c.fr.feed(p, func(kind frameKind, frame []byte) (bool, error) {
		if kind == frameClose {
			c.sendCloseLocked(c.ctx)
			return true, nil
		}
		// <open/> and stanzas alike: one message each (RFC 7395 §3.3).
		return false, c.c.Write(c.ctx, frame)
	})
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// sendClose sends <close/> once, unless the socket has already ended.
func (c *wsConn) sendClose() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	c.sendCloseLocked(ctx)
}

func (c *wsConn) sendCloseLocked(ctx context.Context) {
	c.smu.Lock()
	skip := c.sentClose || c.end != nil
	c.sentClose = true
	c.smu.Unlock()
	if !skip {
		_ = c.c.Write(ctx, closeElement)
	}
}

// abort with any cause but ErrClosed comes from the caller's context: it
// has given up, so terminate does not wait for the server's answer.
func (c *wsConn) abort(cause error) {
	if cause != ErrClosed {
		c.smu.Lock()
		c.hurry = true
		c.smu.Unlock()
	}
	c.cancel(cause)
}

func (c *wsConn) authFailure() string {
	c.smu.Lock()
	defer c.smu.Unlock()
	return c.saslFailure
}

func (c *wsConn) transportErr() error {
	c.smu.Lock()
	defer c.smu.Unlock()
	if c.ours {
		return nil
	}
	return c.end
}

// terminate is the client's side of RFC 7395 §3.6: <close/> (unless
// the session has sent it), wait for the server to close the socket, then
// close it ourselves if it has not.
func (c *wsConn) terminate() {
	c.termOnce.Do(func() {
		c.smu.Lock()
		c.ours = c.end == nil
		hurry := c.hurry
		c.smu.Unlock()
		c.sendClose()
		if !hurry {
			t := time.NewTimer(closeTimeout)
			defer t.Stop()
			select {
			case <-c.pumpDone:
			case <-t.C:
			}
		}
		_ = c.c.Close(ws.CloseNormal, "")
	})
}

func (c *wsConn) release() {
	c.smu.Lock()
	if c.end == nil {
		c.ours = true
	}
	c.smu.Unlock()
	_ = c.c.Close(ws.CloseNormal, "")
}

// lostCause combines what the stream said (a *StreamError, or
// ErrStreamClosed for a bare <close/>) with how the socket ended (a
// *ws.CloseError), so that both errors.As checks work and the message
// names both.
func (c *wsConn) lostCause(serveErr error) error {
	se, isStream := streamErrOf(serveErr)
	c.smu.Lock()
	serverClose := c.serverClose
	c.smu.Unlock()
	if isStream || serverClose {
		t := time.NewTimer(closeCodeWait)
		select {
		case <-c.pumpDone:
		case <-t.C:
		}
		t.Stop()
	}
	c.smu.Lock()
	end, ours := c.end, c.ours
	c.smu.Unlock()

	e := &socketEnd{}
	switch {
	case isStream:
		e.stream = se
	case serverClose:
		e.stream = ErrStreamClosed
	}
	if end != nil && !ours {
		e.sock = end
	}
	if e.stream == nil && e.sock == nil {
		if err := streamErr(serveErr); err != nil {
			return err
		}
		return io.ErrUnexpectedEOF
	}
	return e
}

func (c *wsConn) established() {}

var _ streamConn = (*wsConn)(nil)

// socketEnd is the Cause of a LostError of a WebSocket session.
type socketEnd struct {
	stream error // *StreamError, ErrStreamClosed, or nil
	sock   error // the ws.Conn's Read error, normally a *ws.CloseError
}

func (e *socketEnd) Error() string {
	var parts []string
	if e.stream != nil {
		parts = append(parts, e.stream.Error())
	}
	if e.sock != nil {
		parts = append(parts, describeSocketEnd(e.sock))
	}
	return strings.Join(parts, "; ")
}

func (e *socketEnd) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.stream, e.sock} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// describeSocketEnd says "closed abnormally (1006)" for a vanished peer,
// which is what an operator reading the log needs to see; other codes
// keep the close frame's own description.
func describeSocketEnd(err error) string {
	var ce *ws.CloseError
	if !errors.As(err, &ce) {
		return "websocket failed: " + err.Error()
	}
	if ce.Code == ws.CloseAbnormal {
		return "websocket closed abnormally (1006)"
	}
	return ce.Error()
}
