package bosh

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeCM is a small in-process BOSH connection manager: it creates one
// session, holds at most one request (hold=1, requests=2), answers the held
// request when it has something to push or when a newer request arrives, and
// lets a test intercept any request to inject faults.
type fakeCM struct {
	t   testing.TB
	srv *httptest.Server

	mu         sync.Mutex
	sid        string
	wait       int
	reqs       []seenReq
	seen       map[uint64]int // attempts per rid
	inFlight   int
	maxFlight  int
	pending    []string // elements to push
	held       *heldReq
	payloads   map[uint64][]string // elements received from the client, by rid
	creation   map[string]string
	features   string
	maxRID     uint64
	intercept  func(r seenReq) *reply // nil reply: normal handling
	terminated bool
}

type seenReq struct {
	RID     uint64
	Attempt int
	Attrs   map[string]string
	Type    string
	SID     string
	Restart bool
	Payload []string
	Raw     string
}

// reply is what an intercept wants sent instead of normal handling.
type reply struct {
	Status int
	Body   string
	Drop   bool          // close the connection without an HTTP response
	Hang   bool          // never answer (until the client gives up)
	Delay  time.Duration // then continue with normal handling
}

type heldReq struct {
	rid     uint64
	release chan string
}

func newFakeCM(t testing.TB) *fakeCM {
	cm := &fakeCM{
		t:        t,
		sid:      "sid-123",
		wait:     5,
		seen:     map[uint64]int{},
		payloads: map[uint64][]string{},
		features: `<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>`,
	}
	cm.srv = httptest.NewServer(http.HandlerFunc(cm.serve))
	t.Cleanup(cm.srv.Close)
	return cm
}

func (cm *fakeCM) config() Config {
	return Config{
		URL:           cm.srv.URL + "/http-bind/",
		To:            "finesse.test",
		Wait:          5 * time.Second,
		RetryBackoff:  5 * time.Millisecond,
		RequestMargin: 2 * time.Second,
	}
}

func (cm *fakeCM) wrap(inner string) string {
	return `<body xmlns='http://jabber.org/protocol/httpbind' xmlns:stream='http://etherx.jabber.org/streams' sid='` + cm.sid + `'>` + inner + `</body>`
}

// push sends an element to the client through the held request, or keeps it
// for the next one.
func (cm *fakeCM) push(el string) {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	if cm.held != nil {
		cm.held.release <- el
		cm.held = nil
		return
	}
	cm.pending = append(cm.pending, el)
}

func (cm *fakeCM) requests() []seenReq {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	return append([]seenReq(nil), cm.reqs...)
}

// received returns the client's elements in rid order, the order in which a
// connection manager hands them to the server (XEP-0124 §14.5): two requests
// in flight may reach the CM in either order, so arrival order says nothing.
func (cm *fakeCM) received() []string {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	rids := make([]uint64, 0, len(cm.payloads))
	for rid := range cm.payloads {
		rids = append(rids, rid)
	}
	slices.Sort(rids)
	var out []string
	for _, rid := range rids {
		out = append(out, cm.payloads[rid]...)
	}
	return out
}

func (cm *fakeCM) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	b, err := parseBody(raw)
	if err != nil {
		cm.t.Errorf("fakeCM: client sent a bad body: %v\n%s", err, raw)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rid, _ := strconv.ParseUint(b.attrs["rid"], 10, 64)
	sr := seenReq{RID: rid, Attrs: b.attrs, Type: b.Type, SID: b.SID, Restart: b.Restart, Raw: string(raw)}
	for _, e := range b.Elements {
		sr.Payload = append(sr.Payload, string(e))
	}

	if os.Getenv("FAKECM_TRACE") != "" {
		cm.t.Logf("%s fakeCM: rid %d restart=%v type=%q payload=%d", time.Now().Format("05.000"), rid, b.Restart, b.Type, len(b.Elements))
	}
	cm.mu.Lock()
	cm.seen[rid]++
	sr.Attempt = cm.seen[rid]
	cm.reqs = append(cm.reqs, sr)
	cm.inFlight++
	if cm.inFlight > cm.maxFlight {
		cm.maxFlight = cm.inFlight
	}
	icpt := cm.intercept
	features := cm.features
	cm.mu.Unlock()
	defer func() {
		cm.mu.Lock()
		cm.inFlight--
		cm.mu.Unlock()
	}()

	if icpt != nil {
		if rep := icpt(sr); rep != nil {
			switch {
			case rep.Drop:
				hj, ok := w.(http.Hijacker)
				if !ok {
					cm.t.Error("fakeCM: cannot hijack")
					return
				}
				c, _, _ := hj.Hijack()
				c.Close()
				return
			case rep.Hang:
				<-r.Context().Done()
				return
			case rep.Delay > 0:
				time.Sleep(rep.Delay)
			default:
				status := rep.Status
				if status == 0 {
					status = http.StatusOK
				}
				w.WriteHeader(status)
				io.WriteString(w, rep.Body)
				return
			}
		}
	}

	if b.SID == "" {
		cm.mu.Lock()
		cm.creation = b.attrs
		cm.mu.Unlock()
		io.WriteString(w, `<body xmlns='http://jabber.org/protocol/httpbind' xmlns:stream='http://etherx.jabber.org/streams' xmlns:xmpp='urn:xmpp:xbosh' sid='`+cm.sid+`' wait='`+strconv.Itoa(cm.wait)+`' requests='2' hold='1' inactivity='60' polling='5' from='finesse.test' ver='1.6' xmpp:version='1.0'>`+features+`</body>`)
		return
	}
	if b.SID != cm.sid {
		io.WriteString(w, `<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='item-not-found'/>`)
		return
	}

	cm.mu.Lock()
	// A retransmitted rid carries the same payload: a CM takes it once.
	if _, dup := cm.payloads[rid]; !dup && len(sr.Payload) > 0 {
		cm.payloads[rid] = sr.Payload
	}
	// A request overtaken on the wire by a newer one is not held: a real
	// connection manager would have answered it when the newer one came.
	overtaken := rid < cm.maxRID
	cm.maxRID = max(cm.maxRID, rid)
	// hold=1: a newer request releases the held one.
	if cm.held != nil {
		cm.held.release <- ""
		cm.held = nil
	}
	if b.Type == "terminate" {
		cm.terminated = true
		cm.mu.Unlock()
		io.WriteString(w, `<body xmlns='http://jabber.org/protocol/httpbind' type='terminate'/>`)
		return
	}
	if b.Restart {
		cm.mu.Unlock()
		io.WriteString(w, cm.wrap(features))
		return
	}
	if len(cm.pending) > 0 || overtaken {
		out := strings.Join(cm.pending, "")
		cm.pending = nil
		cm.mu.Unlock()
		io.WriteString(w, cm.wrap(out))
		return
	}
	h := &heldReq{rid: rid, release: make(chan string, 1)}
	cm.held = h
	wait := time.Duration(cm.wait) * time.Second
	cm.mu.Unlock()

	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case el := <-h.release:
		io.WriteString(w, cm.wrap(el))
	case <-t.C:
		cm.unhold(h)
		io.WriteString(w, cm.wrap(""))
	case <-r.Context().Done():
		cm.unhold(h)
	}
}

func (cm *fakeCM) unhold(h *heldReq) {
	cm.mu.Lock()
	defer cm.mu.Unlock()
	if cm.held == h {
		cm.held = nil
		return
	}
	// Someone released it concurrently: put the element back.
	select {
	case el := <-h.release:
		if el != "" {
			cm.pending = append([]string{el}, cm.pending...)
		}
	default:
	}
}
