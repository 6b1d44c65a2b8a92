package bosh

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"
)

// Response is what one response body delivered to the caller, in rid order.
// Empty bodies (a held request whose wait expired) are not delivered.
type Response struct {
	// StreamStart marks the first response of a new XMPP stream: the
	// session creation response, and the first non-empty response after
	// Restart. That one may answer an older held request rather than the
	// restart request itself (Prosody answers the oldest held request), so
	// it is not found by rid. XEP-0206 has no stream header on the wire, so
	// a caller that feeds an XMPP stream parser must synthesize one here.
	StreamStart bool
	// Elements are the body's children, each a standalone XML element that
	// declares its own namespaces.
	Elements [][]byte
}

type outItem struct {
	restart bool
	el      []byte
}

// Session is one BOSH session. Its methods are safe for concurrent use.
type Session struct {
	doer Doer
	cfg  Config

	// Negotiated at creation; read-only afterwards.
	sid        string
	from       string
	wait       time.Duration
	inactivity time.Duration
	polling    time.Duration
	hold       int
	limit      int // requests in flight at most

	ctx    context.Context // cancelled on Close or loss; aborts every request
	cancel context.CancelFunc

	mu             sync.Mutex
	nextRID        uint64
	queue          []outItem
	outstanding    int
	done           map[uint64][][]byte // responses not yet delivered in order
	deliverRID     uint64
	restartPending bool // the next non-empty response starts a new stream
	inbox          []Response
	err            error // why the session was lost
	closed         bool
	changed        chan struct{} // closed and replaced on every state change
	lastEmptyPoll  time.Time
	pollTimer      *time.Timer

	// RID order (see emptyGrace and orderGap): the empty request in flight
	// (0 if none) and when it went out, and when the last response came.
	emptyRID     uint64
	emptySentAt  time.Time
	lastResponse time.Time
	orderTimer   *time.Timer
	established  bool // see Established
}

// emptyGrace is how long the session waits, until Established, with
// nothing in flight and nothing to send, before it leaves an empty request
// for the server to hold. The caller of a negotiating session answers each
// response at once (features, then auth; success, then restart), and that
// answer then travels alone instead of racing a fresh empty request: with
// two requests started together the later rid can reach the server first,
// and ejabberd 23.01 then stalls until the request times out (XEP-0124 §11
// says a server must reorder; the client does not need to lean on it).
// Once established, nothing waits: a server with no request to answer
// cannot push, and Prosody then drops the session, so a stream error such
// as conflict would arrive as item-not-found.
const emptyGrace = 15 * time.Millisecond

// orderGap is how long after an empty request went out a request with
// payload waits, when it has to be sent beside it: long enough for the
// empty one to have reached the server first on any connection already
// open.
const orderGap = 30 * time.Millisecond

// Open creates a session (XEP-0206 §5): it posts the creation body and
// returns once the connection manager has answered with a sid. The creation
// request is retransmitted like any other; ctx bounds the whole attempt.
// The stream features of the creation response are the first Response that
// Recv returns.
func Open(ctx context.Context, doer Doer, cfg Config) (*Session, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if doer == nil {
		return nil, &ConfigError{Field: "Doer", Reason: "missing"}
	}
	// XEP-0124 §7: a random start, far below 2^53 so that it never overflows
	// however long the session lives.
	rid := rand.Uint64N(1<<32) + 1
	create := requestBody([][2]string{
		{"content", "text/xml; charset=utf-8"},
		{"hold", "1"},
		{"rid", strconv.FormatUint(rid, 10)},
		{"to", cfg.To},
		{"ver", "1.6"},
		{"wait", strconv.Itoa(int(cfg.Wait / time.Second))},
		{"xml:lang", cfg.Lang},
		{"xmpp:version", "1.0"},
		{"xmlns", NSHTTPBind},
		{"xmlns:xmpp", NSXBOSH},
	}, nil)
	s := &Session{doer: doer, cfg: cfg, wait: cfg.Wait}
	b, err := s.send(ctx, create)
	if err != nil {
		return nil, err
	}
	if b.SID == "" {
		return nil, &BodyError{Err: ErrNoSID}
	}
	s.sid = b.SID
	s.from = b.From
	if w, ok := b.attrInt("wait"); ok && w > 0 {
		s.wait = time.Duration(w) * time.Second
	}
	s.hold = 1
	if h, ok := b.attrInt("hold"); ok {
		s.hold = h
	}
	// The XEP says a client must not exceed `requests`; absent, hold+1 is
	// what every server means. We never need more than hold+1 anyway.
	s.limit = s.hold + 1
	if r, ok := b.attrInt("requests"); ok && r > 0 && r < s.limit {
		s.limit = r
	}
	if v, ok := b.attrInt("inactivity"); ok {
		s.inactivity = time.Duration(v) * time.Second
	}
	if v, ok := b.attrInt("polling"); ok {
		s.polling = time.Duration(v) * time.Second
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.nextRID = rid + 1
	s.deliverRID = rid + 1
	s.done = map[uint64][][]byte{}
	s.changed = make(chan struct{})
	s.inbox = []Response{{StreamStart: true, Elements: b.Elements}}
	s.lastResponse = time.Now()
	s.mu.Lock()
	s.pumpLocked()
	s.mu.Unlock()
	return s, nil
}

// SID is the session id the connection manager assigned.
func (s *Session) SID() string { return s.sid }

// From is the domain the connection manager says it serves (may be empty).
func (s *Session) From() string { return s.from }

// Wait is the negotiated longest hold of a request.
func (s *Session) Wait() time.Duration { return s.wait }

// Inactivity is how long the server keeps a session with no request held.
func (s *Session) Inactivity() time.Duration { return s.inactivity }

// Requests is how many requests this session keeps in flight at most.
func (s *Session) Requests() int { return s.limit }

// Send queues elements (each a complete XML element with its namespace
// declared) for the next request. It does not wait for the server; a
// delivery failure ends the session and surfaces through Recv and Err.
func (s *Session) Send(elements ...[]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usableLocked(); err != nil {
		return err
	}
	for _, e := range elements {
		s.queue = append(s.queue, outItem{el: e})
	}
	s.pumpLocked()
	return nil
}

// Restart requests an XMPP stream restart (XEP-0206 §6, after SASL
// success). The next non-empty Response has StreamStart set and carries the
// new stream's features. Call it only when nothing of the old stream can
// still arrive (XEP-0206 §6: the server sends nothing after <success/>).
func (s *Session) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usableLocked(); err != nil {
		return err
	}
	s.queue = append(s.queue, outItem{restart: true})
	// Nothing of the old stream can still be on its way: the server sends
	// nothing between SASL success and the restart.
	s.restartPending = true
	s.pumpLocked()
	return nil
}

// Established says that the caller's negotiation is over: from now on an
// empty request goes out as soon as nothing is in flight (see emptyGrace).
func (s *Session) Established() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.established = true
	s.pumpLocked()
}

// Recv returns the next non-empty response, waiting for it until ctx is
// done. Responses that arrived before the session was lost are still
// returned, then the reason (Err); after Close it returns ErrClosed.
func (s *Session) Recv(ctx context.Context) (Response, error) {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return Response{}, ErrClosed
		}
		if len(s.inbox) > 0 {
			r := s.inbox[0]
			s.inbox[0] = Response{}
			s.inbox = s.inbox[1:]
			s.mu.Unlock()
			return r, nil
		}
		if err := s.usableLocked(); err != nil {
			s.mu.Unlock()
			return Response{}, err
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return Response{}, ctx.Err()
		case <-ch:
		}
	}
}

// Err is why the session was lost, nil while it is up or after a Close.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Done is closed when the session is lost or closed.
func (s *Session) Done() <-chan struct{} { return s.ctx.Done() }

// Close terminates the session (XEP-0124 §12), sending queued elements and
// payload (typically an unavailable presence) with the terminate request.
// The terminate request is allowed beyond the `requests` limit and is sent
// once, not retransmitted: the caller is leaving either way. Close on a lost
// session only releases resources. It is idempotent.
func (s *Session) Close(ctx context.Context, payload ...[]byte) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	lost := s.err != nil
	var els [][]byte
	for _, it := range s.queue {
		if !it.restart {
			els = append(els, it.el)
		}
	}
	s.queue = nil
	rid := s.nextRID
	s.nextRID++
	if s.pollTimer != nil {
		s.pollTimer.Stop()
	}
	if s.orderTimer != nil {
		s.orderTimer.Stop()
	}
	s.notifyLocked()
	s.mu.Unlock()
	defer s.cancel()
	if lost {
		return nil
	}
	data := requestBody([][2]string{
		{"rid", strconv.FormatUint(rid, 10)},
		{"sid", s.sid},
		{"type", "terminate"},
		{"xmlns", NSHTTPBind},
	}, append(els, payload...))
	_, err := s.post(ctx, data)
	if isTerminal(err) {
		// item-not-found and friends: the server has already forgotten us,
		// which is what Close wanted.
		return nil
	}
	return err
}

func (s *Session) usableLocked() error {
	if s.err != nil {
		return s.err
	}
	if s.closed {
		return ErrClosed
	}
	return nil
}

func (s *Session) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Session) failLocked(err error) {
	if s.closed || s.err != nil {
		return
	}
	s.err = err
	if s.pollTimer != nil {
		s.pollTimer.Stop()
	}
	if s.orderTimer != nil {
		s.orderTimer.Stop()
	}
	s.cancel()
	s.notifyLocked()
}

// pumpLocked starts as many requests as the limit allows: queued elements
// are batched into one body per request (a restart always travels alone),
// and when nothing is in flight an empty request is left for the server to
// hold, so that it can push at any time: emptyGrace after the last
// response, and a request with payload keeps orderGap behind an empty one.
func (s *Session) pumpLocked() {
	for s.err == nil && !s.closed && s.outstanding < s.limit {
		rid := s.nextRID
		attrs := [][2]string{
			{"rid", strconv.FormatUint(rid, 10)},
			{"sid", s.sid},
			{"xmlns", NSHTTPBind},
		}
		if len(s.queue) > 0 && s.emptyRID != 0 {
			if wait := orderGap - time.Since(s.emptySentAt); wait > 0 {
				s.orderAfterLocked(wait)
				return
			}
		}
		var payload [][]byte
		empty := false
		switch {
		case len(s.queue) > 0 && s.queue[0].restart:
			s.queue = s.queue[1:]
			attrs = append(attrs,
				[2]string{"to", s.cfg.To},
				[2]string{"xml:lang", s.cfg.Lang},
				[2]string{"xmpp:restart", "true"},
				[2]string{"xmlns:xmpp", NSXBOSH})
		case len(s.queue) > 0:
			n := 0
			for n < len(s.queue) && !s.queue[n].restart {
				payload = append(payload, s.queue[n].el)
				n++
			}
			s.queue = s.queue[n:]
		case s.outstanding == 0:
			if wait := emptyGrace - time.Since(s.lastResponse); wait > 0 && !s.established {
				s.orderAfterLocked(wait)
				return
			}
			empty = true
			if s.hold == 0 && s.polling > 0 {
				// A polling session (the server refused to hold): respect the
				// server's shortest polling interval instead of spinning.
				if wait := s.polling - time.Since(s.lastEmptyPoll); wait > 0 {
					if s.pollTimer == nil {
						s.pollTimer = time.AfterFunc(wait, s.pollDue)
					}
					return
				}
				s.lastEmptyPoll = time.Now()
			}
		default:
			return
		}
		if empty {
			s.emptyRID, s.emptySentAt = rid, time.Now()
		}
		s.nextRID++
		s.outstanding++
		go s.run(rid, requestBody(attrs, payload))
	}
}

// orderAfterLocked runs pumpLocked again after d (once, however often it
// is asked while the timer runs: every firing re-examines everything).
func (s *Session) orderAfterLocked(d time.Duration) {
	if s.orderTimer == nil {
		s.orderTimer = time.AfterFunc(d, s.orderDue)
	}
}

func (s *Session) orderDue() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orderTimer = nil
	s.pumpLocked()
}

func (s *Session) pollDue() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pollTimer = nil
	s.pumpLocked()
}

// run carries one request to completion (with its retransmissions) and
// files the response for in-order delivery.
func (s *Session) run(rid uint64, data []byte) {
	b, err := s.send(s.ctx, data)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outstanding--
	s.lastResponse = time.Now()
	if rid == s.emptyRID {
		s.emptyRID = 0
	}
	if err != nil {
		s.failLocked(err)
		return
	}
	s.done[rid] = b.Elements
	s.deliverLocked()
	s.pumpLocked()
	s.notifyLocked()
}

func (s *Session) deliverLocked() {
	for {
		els, ok := s.done[s.deliverRID]
		if !ok {
			return
		}
		delete(s.done, s.deliverRID)
		start := false
		if s.restartPending && len(els) > 0 {
			start = true
			s.restartPending = false
		}
		s.deliverRID++
		if len(els) > 0 {
			s.inbox = append(s.inbox, Response{StreamStart: start, Elements: els})
		}
	}
}
