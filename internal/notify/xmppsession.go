package notify

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// ErrJSONPayload is the cause of a PayloadError for a notification whose
// payload is JSON (finesse.js accepts those on some nodes of later
// releases); only XML <Update> documents are decoded.
var ErrJSONPayload = errors.New("JSON payload not supported")

// ErrForeignEvent is the cause of a PayloadError for a pubsub event that
// did not come from the side's pubsub service: another user could send an
// agent a message that looks like one, so it is not believed.
var ErrForeignEvent = errors.New("pubsub event from an address other than the pubsub service")

// xmppSession is the Session of a BOSHDialer or a WebSocketDialer.
type xmppSession struct {
	x     *xmlStream
	conn  streamConn
	a     addrs
	bound address // our full address, as the server bound it
	l     Listener

	closeOnce sync.Once
	done      chan struct{} // closed when serve has returned

	mu      sync.Mutex
	closed  bool            // Close was called, or serve has ended
	ready   bool            // Dial has returned the session: Lost may be reported
	subs    map[string]bool // explicit subscriptions, undone on Close
	pending map[string]chan *iqIn

	// Only touched by the serve goroutine.
	echo         chan struct{} // closed when our own presence comes back
	echoed       bool
	finesseRes   map[string]bool // available resources of the finesse user
	finesseKnown bool
	finesseAvail bool
}

func newSession(x *xmlStream, conn streamConn, a addrs, bound address, l Listener) *xmppSession {
	return &xmppSession{
		x: x, conn: conn, a: a, bound: bound, l: l,
		done:       make(chan struct{}),
		echo:       make(chan struct{}),
		finesseRes: map[string]bool{},
		subs:       map[string]bool{},
		pending:    map[string]chan *iqIn{},
	}
}

// serve runs the receive loop until the stream ends, then reports Lost
// unless the session was closed on purpose. All Listener callbacks come
// from this goroutine, in order.
func (s *xmppSession) serve() {
	defer close(s.done)
	err := s.receive()
	s.mu.Lock()
	report := !s.closed && s.ready
	s.closed = true
	s.mu.Unlock()
	var cause error
	if report {
		cause = s.conn.lostCause(err) // before release: it may wait for the close code
	}
	s.conn.abort(ErrClosed)
	s.conn.release()
	if !report || s.l.Lost == nil {
		// Closed on purpose, or ended while Dial was still running: Dial
		// reports that itself, and no session was handed out to lose.
		return
	}
	s.l.Lost(&LostError{Cause: cause})
}

// receive dispatches top-level elements until the stream ends; one bad
// stanza is reported or answered, never the end of the stream, but XML
// that does not parse is (RFC 6120 §4.9.3.1 bad-format).
func (s *xmppSession) receive() error {
	for {
		start, err := s.x.next()
		if err != nil {
			return err
		}
		switch start.Name.Local {
		case "message":
			err = s.handleMessage(start)
		case "presence":
			var p presenceIn
			if err = s.x.d.DecodeElement(&p, &start); err == nil {
				s.handlePresence(p)
			}
		case "iq":
			var r iqIn
			if err = s.x.d.DecodeElement(&r, &start); err == nil {
				err = s.handleIQ(&r)
			}
		default:
			err = s.x.d.Skip()
		}
		if err != nil {
			return err
		}
	}
}

// streamErr is the *StreamError in err, nil for the stream's plain end
// (EOF), err itself otherwise.
func streamErr(err error) error {
	var se *StreamError
	if errors.As(err, &se) {
		return se
	}
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// handleIQ answers the server's requests (XEP-0199 pings above all) and
// hands answers to the request waiting for them.
func (s *xmppSession) handleIQ(r *iqIn) error {
	switch r.Type {
	case "get", "set":
		return s.x.send(answerIQ(r))
	case "result", "error":
		s.mu.Lock()
		c := s.pending[r.ID]
		delete(s.pending, r.ID)
		s.mu.Unlock()
		if c != nil {
			c <- r
		}
	}
	return nil
}

// request sends an IQ and waits for its answer: nil for a result, a
// *StanzaError for an error.
func (s *xmppSession) request(ctx context.Context, typ, to, payload string) error {
	id := newID("q")
	c := make(chan *iqIn, 1)
	s.mu.Lock()
	if err := s.endedLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	s.pending[id] = c
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, id)
		s.mu.Unlock()
	}()
	if err := s.x.send(iqElement(id, typ, to, payload)); err != nil {
		return err
	}
	select {
	case r := <-c:
		if r.Type == "error" {
			return r.err()
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		if err := s.conn.transportErr(); err != nil {
			return err
		}
		return ErrClosed
	}
}

// handleMessage reads a <message/> and delivers the Finesse Updates of its
// pubsub event, if it carries one from the side's pubsub service.
func (s *xmppSession) handleMessage(start xml.StartElement) error {
	typ, from := attr(start, "type"), attr(start, "from")
	r := newElementTokens(s.x.d, start)
	if typ != "" && typ != "normal" && typ != "headline" {
		return r.drain() // chat, groupchat, error: not pubsub
	}
	items, err := ParseEvent(r)
	if derr := r.drain(); derr != nil {
		return derr
	}
	if err != nil {
		s.reportError(err)
		return nil
	}
	if len(items) == 0 {
		return nil
	}
	if !s.a.pubsub.sameAs(from) {
		s.reportError(&PayloadError{Node: firstNode(items), Err: ErrForeignEvent})
		return nil
	}
	for _, it := range items {
		if len(it.Payload) == 0 {
			continue // an item without payload (e.g. a notify-only node)
		}
		if bytes.HasPrefix(it.Payload, []byte("{")) {
			s.reportError(&PayloadError{Node: it.Node, Err: ErrJSONPayload})
			continue
		}
		u, err := finesse.DecodeUpdate(it.Node, it.Payload)
		if err != nil {
			s.reportError(&PayloadError{Node: it.Node, Err: err})
			continue
		}
		if s.l.Update != nil {
			s.l.Update(u)
		}
	}
	return nil
}

func firstNode(items []EventItem) string {
	if len(items) > 0 {
		return items[0].Node
	}
	return ""
}

func (s *xmppSession) reportError(err error) {
	if s.l.Error != nil {
		s.l.Error(err)
	}
}

// presenceIn is an incoming <presence/>; its children do not matter.
type presenceIn struct {
	From string `xml:"from,attr"`
	Type string `xml:"type,attr"`
}

// handlePresence follows the finesse user's presence and notices the
// reflection of our own initial presence.
func (s *xmppSession) handlePresence(p presenceIn) {
	if !s.echoed && p.Type == "" && s.bound.sameAs(p.From) {
		s.echoed = true
		close(s.echo)
		return
	}
	from, err := parseAddress(p.From)
	if err != nil || from.bare() != s.a.finesse {
		return
	}
	res := from.resource
	switch {
	case p.Type == "unavailable" && res == "":
		clear(s.finesseRes)
	case p.Type == "unavailable":
		delete(s.finesseRes, res)
	case p.Type == "":
		s.finesseRes[res] = true
	default:
		return // subscribe, probe, error: not about availability
	}
	avail := len(s.finesseRes) > 0
	if s.finesseKnown && avail == s.finesseAvail {
		return
	}
	s.finesseKnown, s.finesseAvail = true, avail
	if s.l.FinessePresence != nil {
		s.l.FinessePresence(avail)
	}
}

// initialPresence is <presence><priority>0</priority></presence>
// (Finesse: "non-negative priority to ensure all events are received").
var initialPresence = []byte(`<presence xmlns='` + nsClient + `'><priority>0</priority></presence>`)

// sendInitialPresence sends the initial presence and waits until the
// server reflects it, or echoWait passes.
func (s *xmppSession) sendInitialPresence(ctx context.Context, echoWait time.Duration) error {
	if err := s.x.send(initialPresence); err != nil {
		return err
	}
	t := time.NewTimer(echoWait)
	defer t.Stop()
	select {
	case <-s.echo:
		return nil
	case <-t.C:
		return nil // a server that does not reflect presence still works
	case <-s.done:
		if err := s.conn.transportErr(); err != nil {
			return err
		}
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Subscribe subscribes this session's full JID to node (XEP-0060 §6.1).
// Finesse wants full JIDs for explicit subscriptions and keeps them after
// the session ends, so Close unsubscribes again.
func (s *xmppSession) Subscribe(ctx context.Context, node string) error {
	if err := s.usable(); err != nil {
		return err
	}
	if err := s.request(ctx, "set", s.a.pubsub.String(), s.pubsubOp("subscribe", node)); err != nil {
		return err
	}
	s.mu.Lock()
	s.subs[node] = true
	s.mu.Unlock()
	return nil
}

// Unsubscribe removes the subscription Subscribe made (XEP-0060 §6.2).
func (s *xmppSession) Unsubscribe(ctx context.Context, node string) error {
	if err := s.usable(); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.subs, node)
	s.mu.Unlock()
	return s.request(ctx, "set", s.a.pubsub.String(), s.pubsubOp("unsubscribe", node))
}

func (s *xmppSession) pubsubOp(op, node string) string {
	var b bytes.Buffer
	b.WriteString(`<pubsub xmlns='` + nsPubSub + `'><` + op + ` node='`)
	escapeTo(&b, node)
	b.WriteString(`' jid='`)
	escapeTo(&b, s.bound.String())
	b.WriteString(`'/></pubsub>`)
	return b.String()
}

// Ping sends an XMPP ping (XEP-0199) to the server and waits for any
// answer, an error answer included (a server without XEP-0199 answers
// service-unavailable, and that still proves the path alive); ctx is the
// caller's timeout.
func (s *xmppSession) Ping(ctx context.Context) error {
	if err := s.usable(); err != nil {
		return err
	}
	err := s.request(ctx, "get", s.a.domain.String(), `<ping xmlns='`+nsPing+`'/>`)
	var se *StanzaError
	if errors.As(err, &se) {
		return nil
	}
	if err != nil {
		if terr := s.conn.transportErr(); terr != nil {
			return terr
		}
	}
	return err
}

// handOut marks the session as returned by Dial; it fails if the session
// has already ended, so that Dial never returns a dead session whose Lost
// will not come.
func (s *xmppSession) handOut() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.endedLocked(); err != nil {
		return err
	}
	s.ready = true
	return nil
}

func (s *xmppSession) usable() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.endedLocked()
}

// endedLocked says why the session can no longer be used: the transport's
// error if it was lost, ErrClosed if it was closed; nil while it is open.
// s.mu must be held.
func (s *xmppSession) endedLocked() error {
	if !s.closed {
		return nil
	}
	if err := s.conn.transportErr(); err != nil {
		return &LostError{Cause: err}
	}
	return ErrClosed
}

// Close ends the stream, leaves the transport (a BOSH terminate with an
// unavailable presence, the WebSocket closing handshake) and waits
// (boundedly) for the receive loop to stop. Lost is not called afterwards.
func (s *xmppSession) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		subs := s.subs
		s.subs = nil
		s.mu.Unlock()
		// Fire and forget: they travel in the terminate request at the
		// latest, and the answers do not matter any more.
		for node := range subs {
			_ = s.x.send(iqElement(newID("q"), "set", s.a.pubsub.String(), s.pubsubOp("unsubscribe", node)))
		}
		// A BOSH terminate, a WebSocket <close/>.
		_ = s.x.send(closeElement)
		s.conn.terminate()
		s.conn.abort(ErrClosed)
	})
	select {
	case <-s.done:
	case <-time.After(closeTimeout):
	}
	return nil
}

var _ Session = (*xmppSession)(nil)
