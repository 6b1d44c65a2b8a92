package failover

import (
	"fmt"
	"slices"
	"strings"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// Response is what Engine.Request resolves with.
type Response struct {
	Status int
	// Header holds the response's headers, first value each, under their
	// canonical names, without the ones that carry credentials or session
	// state (see responseHeader); nil when the answer had none.
	Header    map[string]string
	Body      string
	RequestID string
	Side      string
	// Confirmed is true for synchronous answers (GET, or any status other
	// than 202) and, for a 202, when the notification carrying the requestId
	// arrived within Policy.ConfirmTimeout; Notification is that notification.
	// An unconfirmed 202 was accepted by Finesse, but its outcome was not
	// seen (e.g. it fell into a failover gap); the re-sync shows the state.
	Confirmed    bool
	Notification *NotificationEvent
}

type reqState int

const (
	reqNew reqState = iota
	reqQueued
	reqSending
	reqBackoff
	reqConfirming
	reqDone
)

type pendingRequest struct {
	method string
	path   string
	body   []byte
	id     string

	state        reqState
	side         int
	retries      int
	waitTimer    *timerRef
	retryTimer   *timerRef
	confirmTimer *timerRef
	early        *finesse.Update // notification that overtook the HTTP answer
	earlyRoot    string

	resp *Response
	err  error
	done chan struct{}
}

// broker is the page's REST requests (SPEC §3.6) from admission until
// they are answered: their ids, the ones waiting for a usable side, and
// the index by requestId that a 202's notification is matched with. It
// does no I/O and keeps no time; the engine sends, times and retries the
// requests (engine_requests.go).
type broker struct {
	rnd   Rand
	seq   uint64
	queue []*pendingRequest            // waiting for a usable side, oldest first
	sent  map[string]*pendingRequest   // by requestId, from the first send until done
	live  map[*pendingRequest]struct{} // admitted and not done
}

func newBroker(rnd Rand) *broker {
	return &broker{rnd: rnd, sent: map[string]*pendingRequest{}, live: map[*pendingRequest]struct{}{}}
}

func newPendingRequest(method, path string, body []byte) *pendingRequest {
	return &pendingRequest{
		method: strings.ToUpper(strings.TrimSpace(method)),
		path:   strings.TrimSpace(path),
		body:   slices.Clone(body),
		done:   make(chan struct{}),
	}
}

// refusal says why a page's request is not sent at all; "" when it may be.
func (p *pendingRequest) refusal() string {
	switch {
	case !slices.Contains([]string{"GET", "PUT", "POST", "DELETE"}, p.method):
		return "unsupported method"
	case !strings.HasPrefix(p.path, "/") || strings.Contains(p.path, "://"):
		return "path must be absolute, below the side's base URL"
	}
	return ""
}

// retryable: GET and PUT are idempotent; a POST is sent again only when
// the host allows it (Policy.RetryPOST), as it may have been carried out.
func (p *pendingRequest) retryable(retryPOST bool) bool {
	return p.method == "GET" || p.method == "PUT" || (p.method == "POST" && retryPOST)
}

// newID returns an id unique within this engine and unlikely to collide
// with other clients of the same agent.
func (b *broker) newID() string {
	b.seq++
	return fmt.Sprintf("fha-%d-%08x", b.seq, b.rnd.Int64N(1<<32))
}

// admit gives p its requestId and counts it as live until finish.
func (b *broker) admit(p *pendingRequest) {
	p.id = b.newID()
	b.live[p] = struct{}{}
}

// wait queues p until a side is usable.
func (b *broker) wait(p *pendingRequest) {
	p.state = reqQueued
	b.queue = append(b.queue, p)
}

// takeQueue returns the waiting requests, oldest first, and empties the
// queue; requeue puts back the ones that could not be sent yet.
func (b *broker) takeQueue() []*pendingRequest {
	q := b.queue
	b.queue = nil
	return q
}

func (b *broker) requeue(q []*pendingRequest) { b.queue = append(b.queue, q...) }

// sending marks p as sent to side i, so that a notification with its
// requestId finds it from now on.
func (b *broker) sending(p *pendingRequest, i int) {
	p.state = reqSending
	p.early = nil
	p.side = i
	b.sent[p.id] = p
}

// match returns the sent request a notification's requestId names.
func (b *broker) match(requestID string) *pendingRequest { return b.sent[requestID] }

// finish resolves p with r or err once; it reports false when p was done
// already.
func (b *broker) finish(p *pendingRequest, r *Response, err error) bool {
	if p.state == reqDone {
		return false
	}
	p.state = reqDone
	delete(b.live, p)
	if p.id != "" && b.sent[p.id] == p {
		delete(b.sent, p.id)
	}
	p.resp, p.err = r, err
	close(p.done)
	return true
}

// drain returns every live request and forgets the queue, for failing
// them all at once.
func (b *broker) drain() []*pendingRequest {
	b.queue = nil
	out := make([]*pendingRequest, 0, len(b.live))
	for p := range b.live {
		out = append(out, p)
	}
	return out
}
