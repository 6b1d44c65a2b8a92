package notify

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"sync"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/bosh"
)

const nsSASL = "urn:ietf:params:xml:ns:xmpp-sasl"

// closeTimeout bounds the terminate request sent when the session closes the
// stream: leaving must not hang on a dead server.
const closeTimeout = 5 * time.Second

// boshConn lets the stream layer (xmlStream) run an XMPP session over BOSH.
// To it this is an RFC 7395 (XMPP over WebSocket) connection, whole
// elements with <open/> and <close/> instead of a stream header, which is
// exactly BOSH's shape. Writes are cut
// into elements and batched into bodies; an <open/> after the first becomes
// a BOSH stream restart; <close/> becomes a terminate. Reads deliver the
// children of response bodies, preceded by a synthesized <open/> wherever
// BOSH started a stream (creation, restart), because BOSH sends no stream
// header to check.
//
// Read returns bytes of at most one element per call. The stream replaces its
// xml.Decoder (and so the decoder's read-ahead buffer) on each stream
// restart; with one element per Read the old decoder never holds bytes that
// belong to the new stream.
type boshConn struct {
	s      *bosh.Session
	domain string
	origin string          // our JID, as the header's to
	ctx    context.Context // ends pending Reads on close or abort
	cancel context.CancelCauseFunc

	wmu    sync.Mutex
	fr     framer
	opened bool // the first <open/> was seen (the session already exists)

	rmu    sync.Mutex
	frames [][]byte
	cur    []byte

	smu         sync.Mutex
	saslFailure string // condition of a SASL <failure/> seen on the way in
	closed      bool
}

func newBOSHConn(s *bosh.Session, domain, origin string) *boshConn {
	ctx, cancel := context.WithCancelCause(context.Background())
	return &boshConn{s: s, domain: domain, origin: origin, ctx: ctx, cancel: cancel}
}

// Write accepts any slice of the client's output stream.
func (c *boshConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.ctx.Err(); err != nil {
		return 0, c.readErr()
	}
	err := c.fr.feed(p, func(kind frameKind, frame []byte) (bool, error) {
		switch kind {
		case frameOpen:
			if !c.opened {
				c.opened = true
				return false, nil
			}
			return false, c.s.Restart()
		case frameClose:
			c.terminate()
			return true, nil
		}
		// frame aliases the framer's buffer, which later writes append to;
		// BOSH keeps the element until its request is sent.
		return false, c.s.Send(bytes.Clone(frame))
	})
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// terminate ends the BOSH session with an unavailable presence (RFC 6121
// §4.5.1: what a client says when it leaves), once.
func (c *boshConn) terminate() {
	c.smu.Lock()
	if c.closed {
		c.smu.Unlock()
		return
	}
	c.closed = true
	c.smu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	_ = c.s.Close(ctx, []byte(`<presence xmlns='jabber:client' type='unavailable'/>`))
}

// Read hands the stream the next element (or part of it).
func (c *boshConn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for len(c.cur) == 0 {
		if len(c.frames) > 0 {
			c.cur = c.frames[0]
			c.frames[0] = nil
			c.frames = c.frames[1:]
			continue
		}
		r, err := c.s.Recv(c.ctx)
		if err != nil {
			if c.ctx.Err() != nil {
				return 0, c.readErr()
			}
			return 0, err
		}
		if r.StreamStart {
			c.frames = append(c.frames, c.openFrame())
		}
		for _, el := range r.Elements {
			c.inspect(el)
			c.frames = append(c.frames, el)
		}
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

func (c *boshConn) readErr() error {
	if cause := context.Cause(c.ctx); cause != nil && cause != context.Canceled {
		return cause
	}
	return io.EOF
}

// openFrame is the stream header a WebSocket server would send: it
// insists on version 1.0, a non-empty id, from equal to the domain it
// connected to, and to equal to its own address (it takes its address from
// this header: without to, it would bind an empty resource).
func (c *boshConn) openFrame() []byte {
	var b bytes.Buffer
	b.WriteString(`<open xmlns='` + nsFraming + `' version='1.0' from='`)
	_ = xml.EscapeText(&b, []byte(c.domain))
	b.WriteString(`' to='`)
	_ = xml.EscapeText(&b, []byte(c.origin))
	b.WriteString(`' id='`)
	_ = xml.EscapeText(&b, []byte(c.s.SID()))
	b.WriteString(`'/>`)
	return b.Bytes()
}

// inspect remembers a SASL failure condition (see saslFailure).
func (c *boshConn) inspect(el []byte) {
	cond, ok := saslFailure(el)
	if !ok {
		return
	}
	c.smu.Lock()
	c.saslFailure = cond
	c.smu.Unlock()
}

func (c *boshConn) authFailure() string {
	c.smu.Lock()
	defer c.smu.Unlock()
	return c.saslFailure
}

// abort makes pending and future Reads and Writes fail with cause; the BOSH
// session itself is left to the caller.
func (c *boshConn) abort(cause error) { c.cancel(cause) }

func (c *boshConn) transportErr() error { return c.s.Err() }

// lostCause prefers the BOSH session's own reason (a terminate condition,
// the retries running out) over what the stream layer made of it.
func (c *boshConn) lostCause(serveErr error) error {
	if err := c.s.Err(); err != nil {
		return err
	}
	if err := streamErr(serveErr); err != nil {
		return err
	}
	return io.ErrUnexpectedEOF // the server ended the stream without saying why
}

// established lets the BOSH session keep a request held at all times (see
// bosh.Session.Established).
func (c *boshConn) established() { c.s.Established() }

// release ends the BOSH session; no request goes out if the transport has
// already failed.
func (c *boshConn) release() { _ = c.s.Close(context.Background()) }

var _ streamConn = (*boshConn)(nil)
