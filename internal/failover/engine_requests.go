package failover

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// Request sends one of the page's REST requests through the active side
// (SPEC §3.6): the engine adds a requestId (the REST adapter adds auth),
// waits for a usable side if there is none (up to Policy.RequestWait),
// retries GET and PUT on 503 or transport failure up to Policy.Retry503,
// never retries POST unless Policy.RetryPOST, and for a 202 waits for the
// notification carrying the requestId. Errors are *RequestError.
//
// Request blocks; never call it from Config.OnEvent.
func (e *Engine) Request(ctx context.Context, method, path string, body []byte) (*Response, error) {
	p := e.submit(method, path, body)
	select {
	case <-p.done:
		return p.resp, p.err
	case <-ctx.Done():
		e.post(func() { e.finishRequest(p, nil, ctx.Err()) })
		return nil, ctx.Err()
	}
}

// submit queues a request without waiting for it.
func (e *Engine) submit(method, path string, body []byte) *pendingRequest {
	p := newPendingRequest(method, path, body)
	e.post(func() { e.startRequest(p) })
	return p
}

func (e *Engine) startRequest(p *pendingRequest) {
	switch {
	case e.life.closed:
		e.finishRequest(p, nil, e.reqError(p, ErrClosed, 0, "engine closed"))
		return
	case e.step.phase == phStopped && e.cfg.GetToken == nil:
		e.finishRequest(p, nil, e.reqError(p, ErrUnauthorized, 0, "credentials refused; waiting for new ones (setAuth)"))
		return
	case p.refusal() != "":
		e.finishRequest(p, nil, e.reqError(p, ErrRejected, 0, p.refusal()))
		return
	}
	e.requests.admit(p)
	e.sendOrQueue(p)
}

func (e *Engine) sendOrQueue(p *pendingRequest) {
	if e.step.phase == phConnected && e.notif.sess != nil && e.credLive() {
		e.send(p)
		return
	}
	e.requests.wait(p)
	if p.waitTimer == nil {
		p.waitTimer = e.after(e.pol.RequestWait, func() {
			p.waitTimer = nil
			if p.state == reqQueued {
				e.finishRequest(p, nil, e.reqError(p, ErrNotConnected, 0, "no usable side within "+e.pol.RequestWait.String()))
			}
		})
	}
}

// flushRequests sends what waited for a side, in order.
func (e *Engine) flushRequests() {
	q := e.requests.takeQueue()
	for i, p := range q {
		if !e.credLive() {
			e.requests.requeue(q[i:])
			return
		}
		if p.state == reqQueued {
			e.send(p)
		}
	}
}

func (e *Engine) send(p *pendingRequest) {
	i := e.cur
	e.requests.sending(p, i)
	rest, c := e.sides[i].cfg.REST, e.creds.cur
	method, path, body, id := p.method, p.path, p.body, p.id
	e.spawnIn(e.life.ctx, e.pol.RequestTimeout, func(ctx context.Context) func() {
		resp, err := rest.Do(ctx, method, path, body, id)
		err = ioErr(ctx, err)
		return func() { e.onSent(p, i, c, resp, err) }
	})
}

func (e *Engine) onSent(p *pendingRequest, i int, c *credential, resp *RawResponse, err error) {
	if p.state != reqSending {
		return
	}
	// REST.Do's contract: any answer is a response, never an error. So
	// an error means there was no answer (whatever came beside it is
	// ignored), and a response's kind is its status.
	var status int
	kind := classify(err)
	switch {
	case err != nil:
		resp = nil
	case resp == nil:
		err, kind = ErrTransport, kindTransport
	case is2xx(resp.Status):
		e.answered(p, i, resp)
		return
	default:
		status, kind = resp.Status, kindOfStatus(resp.Status)
		err = errors.New(answerText(resp.Body))
	}
	msg := e.secrets.scrub(err.Error())
	finish := func(kind error) {
		re := e.reqError(p, kind, status, msg)
		if resp != nil {
			// The page decides what a 4xx means and needs the server's
			// answer for that, not only the excerpt in Msg. The body is as
			// the REST client read it (its size limit applies).
			re.Header, re.Body = responseHeader(resp.Header, e.secrets.scrub), e.secrets.scrub(string(resp.Body))
		}
		e.finishRequest(p, nil, re)
	}
	switch kind {
	case kindUnauthorized:
		finish(ErrUnauthorized)
		e.confirmUnauthorized(i, c, p.method, p.path)
	case kindOutOfService, kindTransport, kindTimeout:
		if !p.retryable(e.pol.RetryPOST) || p.retries >= e.pol.Retry503.Count {
			finish(kind.sentinel())
			return
		}
		p.retries++
		p.state = reqBackoff
		backoff := e.pol.Retry503.Backoff << (p.retries - 1)
		e.record("request-retry", i, fmt.Sprintf("%s %s: %s, retry %d in %s", p.method, p.path, kind, p.retries, backoff))
		p.retryTimer = e.after(backoff, func() {
			p.retryTimer = nil
			if p.state == reqBackoff {
				e.sendOrQueue(p)
			}
		})
	default:
		finish(ErrRejected)
	}
}

// answered handles a 2xx: synchronous answers resolve at once, a 202 waits
// for the notification with the requestId.
func (e *Engine) answered(p *pendingRequest, i int, resp *RawResponse) {
	r := &Response{Status: resp.Status, Header: responseHeader(resp.Header, e.secrets.scrub), Body: string(resp.Body), RequestID: p.id, Side: e.sides[i].name}
	if p.method == "GET" || resp.Status != 202 {
		r.Confirmed = true
		e.finishRequest(p, r, nil)
		return
	}
	if p.early != nil {
		e.confirmWith(p, r, p.early, p.earlyRoot)
		return
	}
	p.state = reqConfirming
	p.resp = r
	p.confirmTimer = e.after(e.pol.ConfirmTimeout, func() {
		p.confirmTimer = nil
		if p.state == reqConfirming {
			e.finishRequest(p, p.resp, nil)
		}
	})
}

// confirmRequest matches a notification's requestId to a pending request.
// It returns true when the notification was only an answer to that request
// (an asynchronous apiErrors) and needs no further handling.
func (e *Engine) confirmRequest(u *finesse.Update, root string) bool {
	p := e.requests.match(u.RequestID)
	if p == nil {
		return false
	}
	switch p.state {
	case reqSending:
		p.early, p.earlyRoot = u, root
	case reqConfirming:
		e.confirmWith(p, p.resp, u, root)
	default:
		return false
	}
	return root == "apierrors"
}

func (e *Engine) confirmWith(p *pendingRequest, r *Response, u *finesse.Update, root string) {
	if root == "apierrors" {
		re := e.reqError(p, ErrRejected, r.Status, e.secrets.scrub(asyncErrorText(u)))
		re.Header = r.Header
		e.finishRequest(p, nil, re)
		return
	}
	r.Confirmed = true
	r.Notification = &NotificationEvent{
		Node: u.Node, Event: string(u.Event), Source: u.Source, RequestID: u.RequestID, XML: u.Raw, Side: r.Side,
	}
	e.finishRequest(p, r, nil)
}

func (e *Engine) finishRequest(p *pendingRequest, r *Response, err error) {
	if e.requests.finish(p, r, err) {
		e.stopTimer(p.waitTimer)
		e.stopTimer(p.retryTimer)
		e.stopTimer(p.confirmTimer)
	}
}

func (e *Engine) failAllRequests(kind error) {
	for _, p := range e.requests.drain() {
		e.finishRequest(p, nil, e.reqError(p, kind, 0, ""))
	}
}

func (e *Engine) reqError(p *pendingRequest, kind error, status int, msg string) *RequestError {
	re := &RequestError{Method: p.method, Path: p.path, RequestID: p.id, Status: status, Msg: e.secrets.scrub(msg), kind: kind}
	if p.state != reqNew && p.state != reqQueued {
		re.Side = e.sides[p.side].name
	}
	return re
}

// answerText is the reason a non-2xx answer gives: its first ApiError when
// the body is an ApiErrors document, else an excerpt of the body (a
// proxy's HTML page, an empty 401).
func answerText(body []byte) string {
	if a, err := finesse.DecodeAPIErrors(body); err == nil && len(a.Errors) > 0 {
		return apiErrorText(a.Errors[0])
	}
	return snippet(body)
}

// asyncErrorText is the reason an asynchronous apiErrors notification
// gives.
func asyncErrorText(u *finesse.Update) string {
	if errs, err := u.APIErrors(); err == nil && len(errs) > 0 {
		return apiErrorText(errs[0])
	}
	return "asynchronous error"
}

// apiErrorText is an ApiError's type and message, the fixed vocabulary
// (SERVER_OUT_OF_SERVICE ...); ErrorData may echo the request and stays out.
func apiErrorText(a finesse.ApiError) string {
	switch {
	case a.Type == "":
		return a.Message
	case a.Message == "":
		return a.Type
	}
	return a.Type + ": " + a.Message
}

// snippet is a short, single-line excerpt of an error body for messages.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	if s == "" {
		s = "no body"
	}
	return s
}

// confirmUnauthorized decides what a page request's 401 means. Finesse also
// answers 401 when an agent reads an object that is not its own ("Invalid
// Authorization User Specified"), so a 401 on another user's record must not
// end the agent's session; it goes to the page as it came. A 401 on the
// agent's own objects is a refusal of credential c by side i (SPEC §3.3.9).
// Nothing is asked again to find out which it was: a second request with a
// bad credential would count towards the account lock-out, and the
// invariant is one 401 per side per credential.
func (e *Engine) confirmUnauthorized(i int, c *credential, method, path string) {
	what := method + " " + path
	own := "/finesse/api/User/" + e.cfg.AgentID
	if path == own || strings.HasPrefix(path, own+"/") {
		e.onRefused(i, c, "request "+what)
		return
	}
	e.record("request-401", i, what+": refused for this object; left to the page")
}
