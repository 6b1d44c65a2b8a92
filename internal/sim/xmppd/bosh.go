package xmppd

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BOSH parameters this connection manager announces. hold=1 and requests=2
// are what Prosody, Openfire and Finesse answer, and what BOSH clients
// (Strophe, jabberwerx, finesse.js) expect.
const (
	boshHold     = 1
	boshRequests = boshHold + 1
	boshPolling  = 5 // seconds; advisory
	boshVersion  = "1.6"
)

// ServeHTTP is the BOSH endpoint (XEP-0124, XEP-0206). Every BOSH outcome,
// errors included, is an HTTP 200 carrying a body, as real connection
// managers answer; only a capacity refusal is HTTP 503. CORS headers are the
// caller's business (the simulator's middleware adds them).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
	case http.MethodOptions:
		w.WriteHeader(http.StatusOK)
		return
	case http.MethodGet, http.MethodHead:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<html><body><p>BOSH endpoint: POST XEP-0124 bodies here.</p></body></html>\n")
		return
	default:
		w.Header().Set("Allow", "POST, GET, OPTIONS")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return // the client went away
	}
	if len(data) > maxBodyBytes {
		s.write(w, r, terminateBody("policy-violation", nil))
		return
	}
	root, err := parseElement(data)
	if err != nil || root.name.Space != nsHTTPBind || root.name.Local != "body" {
		s.write(w, r, terminateBody("bad-request", nil))
		return
	}
	sid := root.attr("", "sid")
	if sid == "" {
		s.createSession(w, r, root)
		return
	}
	s.mu.RLock()
	b := s.sessions[sid]
	tomb, buried := s.tombstones[sid]
	down := s.down
	s.mu.RUnlock()
	switch {
	case b != nil:
		b.handle(w, r, root)
	case buried:
		s.write(w, r, tomb.body)
	case down:
		s.write(w, r, terminateBody("remote-connection-failed", nil))
	default:
		s.write(w, r, terminateBody("item-not-found", nil))
	}
}

// write sends a BOSH response unless the BeforeRespond hook took over.
func (s *Server) write(w http.ResponseWriter, r *http.Request, body []byte) {
	if s.cfg.BeforeRespond != nil && !s.cfg.BeforeRespond(w, r) {
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request, root *element) {
	if s.isDown() {
		s.write(w, r, terminateBody("remote-connection-failed", nil))
		return
	}
	if s.cfg.Admit != nil && !s.cfg.Admit() {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	rid, err := strconv.ParseInt(root.attr("", "rid"), 10, 64)
	if err != nil || rid <= 0 {
		s.write(w, r, terminateBody("bad-request", nil))
		return
	}
	switch to := root.attr("", "to"); {
	case to == "":
		s.write(w, r, terminateBody("improper-addressing", nil))
		return
	case !strings.EqualFold(to, s.cfg.Domain):
		s.write(w, r, terminateBody("host-unknown", nil))
		return
	}
	wait, ok := boundedAttr(root.attr("", "wait"), int(s.cfg.MaxWait/time.Second))
	if !ok {
		s.write(w, r, terminateBody("bad-request", nil))
		return
	}
	hold, ok := boundedAttr(root.attr("", "hold"), boshHold)
	if !ok {
		s.write(w, r, terminateBody("bad-request", nil))
		return
	}
	b := &boshSession{
		srv:         s,
		sid:         randomID(),
		wait:        time.Duration(wait) * time.Second,
		hold:        hold,
		lastRid:     rid,
		ridAdvanced: make(chan struct{}),
		cache:       make(map[int64][]byte),
		lastActive:  time.Now(),
	}
	b.st = newStream(s, b)
	inactivity := int(s.cfg.Inactivity / time.Second)
	resp := "<body xmlns='" + nsHTTPBind + "' xmlns:xmpp='" + nsXBOSH + "' xmlns:stream='" + nsStream + "'" +
		" sid='" + b.sid + "' authid='" + b.sid + "' wait='" + strconv.Itoa(wait) + "' hold='" + strconv.Itoa(hold) +
		"' requests='" + strconv.Itoa(boshRequests) + "' inactivity='" + strconv.Itoa(max(inactivity, 1)) +
		"' polling='" + strconv.Itoa(boshPolling) + "' ver='" + boshVersion + "' from='" + esc(s.cfg.Domain) +
		"' secure='true' xmpp:version='1.0'>" + string(b.st.features()) + "</body>"
	b.cache[rid] = []byte(resp)
	s.mu.Lock()
	s.sessions[b.sid] = b
	s.mu.Unlock()
	s.write(w, r, []byte(resp))
}

// boundedAttr parses a non-negative integer attribute, defaulting to and
// capped at limit (a connection manager may lower what a client asks).
func boundedAttr(v string, limit int) (int, bool) {
	if v == "" {
		return limit, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false
	}
	return min(n, limit), true
}

// terminateBody renders a terminate body with an optional condition and
// payload (a stream error, or the echo of a client's final presence).
func terminateBody(condition string, payload []byte) []byte {
	x := "<body xmlns='" + nsHTTPBind + "' xmlns:stream='" + nsStream + "' type='terminate'"
	if condition != "" {
		x += " condition='" + condition + "'"
	}
	if len(payload) == 0 {
		return []byte(x + "/>")
	}
	return []byte(x + ">" + string(payload) + "</body>")
}

// boshSession is one BOSH session: the XMPP stream it carries, the rid
// window, the queue of elements for the client and the held request.
type boshSession struct {
	srv  *Server
	sid  string
	wait time.Duration
	hold int
	st   *stream

	// proc serialises payload processing in rid order; lastRid is the
	// highest rid processed and ridAdvanced is closed when it moves.
	proc        sync.Mutex
	lastRid     int64
	ridAdvanced chan struct{}

	mu         sync.Mutex
	queue      [][]byte
	held       *heldRequest
	cache      map[int64][]byte // rid -> response sent; nil while unanswered
	lastActive time.Time
	dead       []byte // the terminate body, once the session has ended
}

// heldRequest is a request waiting for something to answer. When a newer
// request released it, elems is what was queued at that moment and all it
// answers, so that the newer request's own results go back with the newer
// one whatever the goroutines' order.
type heldRequest struct {
	wake     chan struct{}
	released bool
	elems    [][]byte
}

// releaseHeldLocked makes the held request answer now with what is queued
// (hold=1: a newer request releases the older one, XEP-0124 §10). Called
// with b.mu held.
func (b *boshSession) releaseHeldLocked() {
	if h := b.held; h != nil {
		h.released, h.elems = true, b.queue
		b.queue = nil
		b.held = nil
		close(h.wake)
	}
}

// deliver implements sink.
func (b *boshSession) deliver(elem []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dead != nil {
		return
	}
	b.queue = append(b.queue, elem)
	if b.held != nil {
		close(b.held.wake)
		b.held = nil
	}
}

// boshConditions are the stream error conditions that XEP-0124 §17.2 also
// has as terminate conditions; any other travels as remote-stream-error
// carrying the stream error (XEP-0206 §7).
var boshConditions = map[string]bool{
	"host-gone": true, "host-unknown": true, "improper-addressing": true, "internal-server-error": true,
	"policy-violation": true, "remote-connection-failed": true, "system-shutdown": true, "undefined-condition": true,
}

// terminate implements sink.
func (b *boshSession) terminate(condition, text string) {
	if boshConditions[condition] {
		b.bury(terminateBody(condition, nil))
		return
	}
	b.bury(terminateBody("remote-stream-error", streamErrorXML(condition, text)))
}

// bury ends the session and leaves a tombstone, so that a late request with
// its sid learns why.
func (b *boshSession) bury(body []byte) {
	s := b.srv
	s.mu.Lock()
	if s.sessions[b.sid] == b {
		delete(s.sessions, b.sid)
		s.tombstones[b.sid] = tombstone{body: body, at: time.Now()}
	}
	s.mu.Unlock()
	b.end(body)
}

// end marks the session dead and answers its held request with body.
func (b *boshSession) end(body []byte) {
	b.mu.Lock()
	if b.dead != nil {
		b.mu.Unlock()
		return
	}
	b.dead = body
	b.queue = nil
	if b.held != nil {
		close(b.held.wake)
		b.held = nil
	}
	b.mu.Unlock()
	b.st.end()
}

// retire removes the session without a tombstone (the client knows why).
func (b *boshSession) retire(body []byte) {
	s := b.srv
	s.mu.Lock()
	if s.sessions[b.sid] == b {
		delete(s.sessions, b.sid)
	}
	s.mu.Unlock()
	b.end(body)
}

func (b *boshSession) idleSince(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held != nil {
		return 0
	}
	return now.Sub(b.lastActive)
}

func (b *boshSession) touch() {
	b.mu.Lock()
	b.lastActive = time.Now()
	b.mu.Unlock()
}

// fail ends the session with condition and answers this request with it.
func (b *boshSession) fail(w http.ResponseWriter, r *http.Request, condition string, payload []byte) {
	body := terminateBody(condition, payload)
	b.retire(body)
	b.srv.write(w, r, body)
}

func (b *boshSession) handle(w http.ResponseWriter, r *http.Request, root *element) {
	rid, err := strconv.ParseInt(root.attr("", "rid"), 10, 64)
	if err != nil {
		b.fail(w, r, "bad-request", nil)
		return
	}
	b.touch()
	b.proc.Lock()
	for rid != b.lastRid+1 {
		switch {
		case rid <= b.lastRid:
			// A retransmission: replay the answer (XEP-0124 14.3).
			b.mu.Lock()
			resp, known := b.cache[rid]
			b.mu.Unlock()
			b.proc.Unlock()
			switch {
			case !known:
				b.fail(w, r, "item-not-found", nil)
			case resp == nil:
				b.answer(w, r, rid) // never answered (the client gave up): hold again
			default:
				b.srv.write(w, r, resp)
			}
			return
		case rid <= b.lastRid+boshRequests:
			// Early: wait for the missing request, at most wait.
			ch := b.ridAdvanced
			b.proc.Unlock()
			t := time.NewTimer(b.wait)
			select {
			case <-ch:
				t.Stop()
			case <-t.C:
				b.fail(w, r, "item-not-found", nil)
				return
			case <-r.Context().Done():
				t.Stop()
				return
			}
			b.proc.Lock()
		default:
			b.proc.Unlock()
			b.fail(w, r, "item-not-found", nil)
			return
		}
	}
	if b.isDead() {
		b.proc.Unlock()
		b.answer(w, r, rid)
		return
	}
	// Release the held request before this one's payload is processed, so
	// that its results (an IQ answer) travel back with this request.
	b.mu.Lock()
	b.releaseHeldLocked()
	b.mu.Unlock()
	// A client that forgets to declare the xmpp prefix still means a restart.
	if root.attr(nsXBOSH, "restart") == "true" || root.attr("xmpp", "restart") == "true" {
		b.st.restart()
	}
	for _, c := range root.children {
		if se := b.st.handle(c); se != nil {
			b.proc.Unlock()
			b.fail(w, r, "remote-stream-error", streamErrorXML(se.condition, se.text))
			return
		}
	}
	if root.attr("", "type") == "terminate" {
		b.proc.Unlock()
		b.mu.Lock()
		echo := bytes.Join(b.queue, nil)
		b.mu.Unlock()
		b.fail(w, r, "", echo)
		return
	}
	b.mu.Lock()
	b.cache[rid] = nil
	for old := range b.cache {
		if old <= rid-boshRequests {
			delete(b.cache, old)
		}
	}
	b.mu.Unlock()
	b.lastRid = rid
	close(b.ridAdvanced)
	b.ridAdvanced = make(chan struct{})
	b.proc.Unlock()
	b.answer(w, r, rid)
}

func (b *boshSession) isDead() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dead != nil
}

// answer responds to request rid: at once when something is queued, else
// by holding the request until something arrives or wait expires. With
// hold=1 a newer request releases the one held before it.
func (b *boshSession) answer(w http.ResponseWriter, r *http.Request, rid int64) {
	b.mu.Lock()
	if b.dead != nil {
		body := b.dead
		b.mu.Unlock()
		b.srv.write(w, r, body)
		return
	}
	if len(b.queue) > 0 || b.hold == 0 || b.wait == 0 {
		resp := b.take(rid)
		b.mu.Unlock()
		b.srv.write(w, r, resp)
		return
	}
	b.releaseHeldLocked()
	h := &heldRequest{wake: make(chan struct{})}
	b.held = h
	b.mu.Unlock()

	t := time.NewTimer(b.wait)
	defer t.Stop()
	abandoned := false
	select {
	case <-h.wake:
	case <-t.C:
	case <-r.Context().Done():
		abandoned = true
	}
	b.mu.Lock()
	if b.held == h {
		b.held = nil
	}
	b.lastActive = time.Now()
	if abandoned {
		// The queue stays for the next request: nothing is lost when a
		// client aborts its long-poll.
		if h.released {
			b.queue = append(h.elems, b.queue...)
		}
		b.mu.Unlock()
		return
	}
	var resp []byte
	switch {
	case b.dead != nil:
		resp = b.dead
	case h.released:
		later := b.queue
		b.queue = h.elems
		resp = b.take(rid)
		b.queue = later
	default:
		resp = b.take(rid)
	}
	b.mu.Unlock()
	b.srv.write(w, r, resp)
}

// take wraps the queue in a body, empties it and caches the response for
// rid. Called with b.mu held.
func (b *boshSession) take(rid int64) []byte {
	var buf bytes.Buffer
	buf.WriteString("<body xmlns='" + nsHTTPBind + "' xmlns:stream='" + nsStream + "' sid='" + b.sid + "'")
	if len(b.queue) == 0 {
		buf.WriteString("/>")
	} else {
		buf.WriteByte('>')
		for _, e := range b.queue {
			buf.Write(e)
		}
		buf.WriteString("</body>")
	}
	b.queue = nil
	b.lastActive = time.Now()
	resp := buf.Bytes()
	b.cache[rid] = resp
	return resp
}
