//go:build js && wasm

package jsws

import (
	"context"
	"sync"
	"unicode/utf8"

	"github.com/finesse-ha/finesse-ha/internal/ws"
	"github.com/finesse-ha/finesse-ha/wasm/jsutil"
	"github.com/hack-pad/safejs"
)

// conn is an open browser WebSocket; it implements ws.Conn.
type conn struct {
	sock  safejs.Value
	funcs []safejs.Func // the event handlers, released when the socket ends

	// wake has room for one token: the JS callbacks signal without ever
	// blocking, and the single waiter (Dial, then Read, never concurrently
	// with itself) rechecks the state below after each token.
	wake chan struct{}

	mu        sync.Mutex
	opened    bool
	queue     [][]byte // messages received and not yet read
	closeCode int      // of the close event; 0 until then
	// term is what Read returns once the queue is empty and Write returns
	// at once: the *ws.CloseError of the close event or of our own Close,
	// or the error of a Read abandoned on its context. nil while usable.
	term     error
	released bool
}

var _ ws.Conn = (*conn)(nil)

// abandonedError is what a conn returns after a Read gave up on its
// context and closed the socket; it wraps the context's error.
type abandonedError struct{ err error }

func (e *abandonedError) Error() string {
	return "jsws: socket closed after a Read was abandoned: " + e.err.Error()
}

func (e *abandonedError) Unwrap() error { return e.err }

// Read returns the next message, in the order received. Once the socket has
// closed and every queued message was read it returns the *ws.CloseError.
// If ctx ends while Read waits, the socket is closed and Read returns ctx's
// error; later calls fail too.
func (c *conn) Read(ctx context.Context) ([]byte, error) {
	for {
		c.mu.Lock()
		if len(c.queue) > 0 {
			msg := c.queue[0]
			c.queue[0] = nil
			c.queue = c.queue[1:]
			c.mu.Unlock()
			return msg, nil
		}
		term := c.term
		c.mu.Unlock()
		if term != nil {
			return nil, term
		}
		select {
		case <-c.wake:
		case <-ctx.Done():
			err := ctx.Err()
			c.shutdown(ws.CloseNormal, "", &abandonedError{err})
			return nil, err
		}
	}
}

// Write sends msg as one text message. After the socket closed it returns
// the same error Read does, without sending: the browser would silently
// drop the message.
func (c *conn) Write(ctx context.Context, msg []byte) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	term := c.term
	c.mu.Unlock()
	if term != nil {
		return term
	}
	defer jsutil.Recover(&err)
	if _, err := c.sock.Call("send", string(msg)); err != nil {
		return thrown(err)
	}
	return nil
}

// Close sends a close frame and releases the socket; later calls do
// nothing. Scripts may only send 1000 or 3000-4999, so any other code is
// sent as 1000; the reason is cut to the 123 bytes a close frame holds.
// Read and Write then return a *ws.CloseError with what was sent.
func (c *conn) Close(code int, reason string) error {
	if code != ws.CloseNormal && (code < 3000 || code > 4999) {
		code = ws.CloseNormal
	}
	reason = truncate(reason, 123)
	return c.shutdown(code, reason, &ws.CloseError{Code: code, Reason: reason})
}

// shutdown closes the socket with code and reason unless it already ended,
// makes term what Read and Write return from now on, and releases the
// handlers. The close event that follows is not awaited: the handlers are
// detached first, so it reaches nobody.
func (c *conn) shutdown(code int, reason string, term error) (err error) {
	c.mu.Lock()
	done := c.released
	if c.term == nil {
		c.term = term
	}
	c.mu.Unlock()
	if done {
		return nil
	}
	c.signal()
	defer jsutil.Recover(&err)
	defer c.release()
	if _, err := c.sock.Call("close", code, reason); err != nil {
		return thrown(err)
	}
	return nil
}

func (c *conn) onOpen(safejs.Value) {
	c.mu.Lock()
	c.opened = true
	c.mu.Unlock()
	c.signal()
}

func (c *conn) onMessage(ev safejs.Value) {
	data, err := ev.Get("data")
	if err != nil {
		return
	}
	var msg []byte
	if data.Type() == safejs.TypeString {
		s, _ := data.String()
		msg = []byte(s)
	} else if msg, err = arrayBufferBytes(data); err != nil {
		return
	}
	c.mu.Lock()
	c.queue = append(c.queue, msg)
	c.mu.Unlock()
	c.signal()
}

func (c *conn) onClose(ev safejs.Value) {
	code := ws.CloseAbnormal
	if v, err := ev.Get("code"); err == nil {
		if n, err := v.Int(); err == nil && n != 0 {
			code = n
		}
	}
	var reason string
	if v, err := ev.Get("reason"); err == nil {
		reason, _ = v.String()
	}
	c.mu.Lock()
	c.closeCode = code
	if c.term == nil {
		c.term = &ws.CloseError{Code: code, Reason: reason}
	}
	c.mu.Unlock()
	// No event follows a close event; releasing the running handler is
	// fine (syscall/js looked it up before calling it).
	c.release()
	c.signal()
}

// signal wakes the waiter, if any, without blocking.
func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// release detaches the handlers from the socket, then releases them: a
// released js.Func that JS still calls makes syscall/js panic.
func (c *conn) release() {
	c.mu.Lock()
	if c.released {
		c.mu.Unlock()
		return
	}
	c.released = true
	funcs := c.funcs
	c.funcs = nil
	c.mu.Unlock()
	for _, name := range []string{"onopen", "onmessage", "onclose", "onerror"} {
		_ = c.sock.Set(name, safejs.Null())
	}
	for _, f := range funcs {
		f.Release()
	}
}

// arrayBufferBytes copies a binary message (an ArrayBuffer, since
// binaryType is "arraybuffer") into Go.
func arrayBufferBytes(data safejs.Value) ([]byte, error) {
	ctor, err := safejs.Global().Get("Uint8Array")
	if err != nil {
		return nil, err
	}
	u8, err := ctor.New(data)
	if err != nil {
		return nil, err
	}
	n, err := u8.Length()
	if err != nil {
		return nil, err
	}
	b := make([]byte, n)
	_, err = safejs.CopyBytesToGo(b, u8)
	return b, err
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
