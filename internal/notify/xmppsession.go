package notify

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"sync"
	"time"

	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/mux"
	"mellium.im/xmpp/ping"
	"mellium.im/xmpp/stanza"
	"mellium.im/xmpp/stream"

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
	xs   *xmpp.Session
	conn streamConn
	a    addrs
	l    Listener

	closeOnce sync.Once
	done      chan struct{} // closed when serve has returned

	mu     sync.Mutex
	closed bool            // Close was called, or serve has ended
	ready  bool            // Dial has returned the session: Lost may be reported
	subs   map[string]bool // explicit subscriptions, undone on Close

	// Only touched by the serve goroutine.
	echo         chan struct{} // closed when our own presence comes back
	echoed       bool
	finesseRes   map[string]bool // available resources of the finesse user
	finesseKnown bool
	finesseAvail bool
}

func newSession(xs *xmpp.Session, conn streamConn, a addrs, l Listener) *xmppSession {
	return &xmppSession{
		xs: xs, conn: conn, a: a, l: l,
		done:       make(chan struct{}),
		echo:       make(chan struct{}),
		finesseRes: map[string]bool{},
		subs:       map[string]bool{},
	}
}

var eventName = xml.Name{Space: nsPubSubEvent, Local: "event"}

// serve runs mellium's receive loop until the stream ends, then reports
// Lost unless the session was closed on purpose. All Listener callbacks
// come from this goroutine, in order.
func (s *xmppSession) serve() {
	defer close(s.done)
	err := s.xs.Serve(mux.New(stanza.NSClient,
		mux.MessageFunc(stanza.NormalMessage, eventName, s.handleEvent),
		mux.MessageFunc(stanza.HeadlineMessage, eventName, s.handleEvent),
		mux.PresenceFunc("", xml.Name{}, s.handlePresence),
		mux.PresenceFunc(stanza.UnavailablePresence, xml.Name{}, s.handlePresence),
		ping.Handle(),
	))
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

// streamErr turns mellium's stream error into ours; other errors pass.
func streamErr(err error) error {
	var se stream.Error
	if errors.As(err, &se) {
		e := &StreamError{Condition: se.Err}
		if len(se.Text) > 0 {
			e.Text = se.Text[0].Value
		}
		return e
	}
	return err
}

func (s *xmppSession) handleEvent(msg stanza.Message, r xmlstream.TokenReadEncoder) error {
	items, err := ParseEvent(r)
	if err != nil {
		// Never return it: mellium would end the stream over one bad stanza.
		s.reportError(err)
		return nil
	}
	if !msg.From.Equal(s.a.pubsub) {
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

// handlePresence follows the finesse user's presence and notices the
// reflection of our own initial presence. mux calls it once per child
// element of a presence, so it must be idempotent.
func (s *xmppSession) handlePresence(p stanza.Presence, _ xmlstream.TokenReadEncoder) error {
	if !s.echoed && p.Type == "" && p.From.Equal(s.xs.LocalAddr()) {
		s.echoed = true
		close(s.echo)
		return nil
	}
	if !p.From.Bare().Equal(s.a.finesse) {
		return nil
	}
	res := p.From.Resourcepart()
	switch {
	case p.Type == stanza.UnavailablePresence && res == "":
		clear(s.finesseRes)
	case p.Type == stanza.UnavailablePresence:
		delete(s.finesseRes, res)
	default:
		s.finesseRes[res] = true
	}
	avail := len(s.finesseRes) > 0
	if s.finesseKnown && avail == s.finesseAvail {
		return nil
	}
	s.finesseKnown, s.finesseAvail = true, avail
	if s.l.FinessePresence != nil {
		s.l.FinessePresence(avail)
	}
	return nil
}

// sendInitialPresence sends <presence><priority>0</priority></presence>
// (Finesse: "non-negative priority to ensure all events are received") and
// waits until the server reflects it, or echoWait passes.
func (s *xmppSession) sendInitialPresence(ctx context.Context, echoWait time.Duration) error {
	p := stanza.Presence{XMLName: xml.Name{Space: stanza.NSClient, Local: "presence"}}
	priority := xmlstream.Wrap(xmlstream.Token(xml.CharData("0")), xml.StartElement{Name: xml.Name{Local: "priority"}})
	if err := s.xs.Send(ctx, p.Wrap(priority)); err != nil {
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
	if err := s.xs.UnmarshalIQElement(ctx, s.pubsubOp("subscribe", node), s.pubsubIQ(), nil); err != nil {
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
	return s.xs.UnmarshalIQElement(ctx, s.pubsubOp("unsubscribe", node), s.pubsubIQ(), nil)
}

func (s *xmppSession) pubsubIQ() stanza.IQ { return stanza.IQ{Type: stanza.SetIQ, To: s.a.pubsub} }

func (s *xmppSession) pubsubOp(op, node string) xml.TokenReader {
	return xmlstream.Wrap(
		xmlstream.Wrap(nil, xml.StartElement{
			Name: xml.Name{Local: op},
			Attr: []xml.Attr{
				{Name: xml.Name{Local: "node"}, Value: node},
				{Name: xml.Name{Local: "jid"}, Value: s.xs.LocalAddr().String()},
			},
		}),
		xml.StartElement{Name: xml.Name{Space: nsPubSub, Local: "pubsub"}},
	)
}

// Ping sends an XMPP ping (XEP-0199) to the server and waits for any
// answer; ctx is the caller's timeout.
func (s *xmppSession) Ping(ctx context.Context) error {
	if err := s.usable(); err != nil {
		return err
	}
	err := ping.Send(ctx, s.xs, s.a.domain)
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
// unavailable presence, the WebSocket closing handshake) and waits (boundedly) for the receive loop to stop. Lost is not
// called afterwards.
func (s *xmppSession) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		subs := s.subs
		s.subs = nil
		s.mu.Unlock()
		// Fire and forget: they travel in the terminate request at the
		// latest, and the answers do not matter any more.
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		for node := range subs {
			_ = s.xs.Send(ctx, s.pubsubIQ().Wrap(s.pubsubOp("unsubscribe", node)))
		}
		cancel()
		// Writes </stream:stream>: a BOSH terminate, a WebSocket <close/>.
		_ = s.xs.Close()
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
