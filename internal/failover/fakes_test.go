package failover

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/notify"
)

// The fake Finesse pair. The "CTI" state (the agent and its calls) is shared
// by both sides, as in UCCE where both Finesse nodes follow the same CTI
// server; each side has its own service status and faults. All fake I/O
// that has to wait (black hole, latency) waits on the virtual clock or on
// the caller's context and registers as a waiter, so the harness knows when
// the engine is quiescent.

type fakeCall struct {
	id      string
	key     [3]string // prefix, call id, sequence
	from    string
	to      string
	dnis    string
	ctype   finesse.CallType
	vars    []finesse.CallVariable
	state   finesse.DialogState
	parties []string
}

type fakeSide struct {
	h    *harness
	name string
	host string

	// Guarded by h.mu.
	status       finesse.Status
	deployment   finesse.DeploymentType
	mmode        string
	dead         bool // process down: connection refused on REST and XMPP
	notifyDown   bool // notification service down: XMPP refused, REST fine
	blackhole    bool // nothing answers: every call waits for its context
	presence     bool // the finesse user's presence
	unauthorized bool // 401 on everything but SystemInfo
	rest503      bool // 503 on everything but SystemInfo
	latency      time.Duration
	nullCallData bool                // dialogs served without call data (lost in failover)
	idPrefix     string              // dialog ids on this side differ
	doStatus     int                 // forced status for Do, 0 = normal
	doHeader     map[string][]string // response header of every Do answer
	doBody       string              // body of a forced status, "" = a short ApiErrors
	earlyAsync   bool                // POST's async answer arrives before its 202
	sysInfo401   bool                // SystemInfo itself answers 401
	sysInfo503   bool                // SystemInfo answers 503: the side sheds load
	panicOn      string              // op that panics (a bug in an adapter)
	// refuse: credentials (password or token) this side answers with 401
	// on every call and the notification login; SystemInfo too when
	// sysInfoChecksAuth is set (whether it needs auth is a gap in the
	// research; the engine sends credentials anyway).
	refuse            map[string]bool
	sysInfoChecksAuth bool
	// got401 counts the 401s this side gave, per credential; sentExpired
	// counts calls that carried a token past its exp (must stay zero).
	got401      map[string]int
	sentExpired int
	sent        []string // "op:secret" of every REST call that got past the faults
	// conflictAfter: another session binds the same full JID this long
	// after every successful dial, ending ours with a conflict stream error.
	conflictAfter time.Duration
	bindConflict  bool // every bind is refused with conflict
	dialTimes     []time.Time
	sessions      []*fakeSession
	ops           map[string]int
	endpoints     []notify.Endpoint
	subscribed    []string
}

type fakeSession struct {
	side   *fakeSide
	l      notify.Listener
	closed bool
}

func newFakeSide(h *harness, name, host string) *fakeSide {
	return &fakeSide{
		h: h, name: name, host: host,
		status: finesse.StatusInService, deployment: finesse.DeploymentUCCE,
		presence: true, ops: map[string]int{},
		refuse: map[string]bool{}, got401: map[string]int{},
	}
}

// ---- waiting -------------------------------------------------------------

type waiter struct {
	ctx   context.Context
	woken atomic.Bool
}

func (h *harness) addWaiter(w *waiter) {
	h.wmu.Lock()
	h.waiters[w] = struct{}{}
	h.wmu.Unlock()
}

func (h *harness) removeWaiter(w *waiter) {
	h.wmu.Lock()
	delete(h.waiters, w)
	h.wmu.Unlock()
}

// blocked counts fake calls that only the virtual clock can release.
func (h *harness) blocked() int64 {
	h.wmu.Lock()
	defer h.wmu.Unlock()
	var n int64
	for w := range h.waiters {
		if !w.woken.Load() && w.ctx.Err() == nil {
			n++
		}
	}
	return n
}

func cause(ctx context.Context) error {
	if c := context.Cause(ctx); c != nil {
		return c
	}
	return ctx.Err()
}

// park waits for ctx to end: a black hole.
func (h *harness) park(ctx context.Context) error {
	w := &waiter{ctx: ctx}
	h.addWaiter(w)
	defer h.removeWaiter(w)
	<-ctx.Done()
	return cause(ctx)
}

// sleep waits d of virtual time, or for ctx.
func (h *harness) sleep(ctx context.Context, d time.Duration) error {
	w := &waiter{ctx: ctx}
	ch := make(chan struct{})
	h.addWaiter(w)
	defer h.removeWaiter(w)
	h.clk.AfterFunc(d, func() {
		w.woken.Store(true)
		close(ch)
	})
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return cause(ctx)
	}
}

// gate applies the side's faults to one call.
func (f *fakeSide) gate(ctx context.Context, op string) error {
	h := f.h
	h.mu.Lock()
	f.ops[op]++
	dead, bh, lat, panicOn := f.dead, f.blackhole, f.latency, f.panicOn
	h.mu.Unlock()
	if panicOn == op {
		panic("fake adapter bug in " + op)
	}
	if bh {
		return h.park(ctx)
	}
	if dead {
		return fmt.Errorf("dial tcp %s:8445: connect: connection refused: %w", f.host, ErrTransport)
	}
	if lat > 0 {
		if err := h.sleep(ctx, lat); err != nil {
			return err
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	sec := secretOf(ctx)
	f.sent = append(f.sent, op+":"+sec)
	if op != "SystemInfo" || f.sysInfoChecksAuth {
		if err := f.checkCredLocked(sec); err != nil {
			return err
		}
	} else if tokenExpiredAt(sec, h.clk.Now()) {
		f.sentExpired++
	}
	switch {
	case f.dead:
		return fmt.Errorf("connection reset: %w", ErrTransport)
	case op == "SystemInfo" && f.sysInfo401:
		return fmt.Errorf("401: %w", finesse.ErrUnauthorized)
	case op == "SystemInfo" && f.sysInfo503:
		return fmt.Errorf("503: %w", finesse.ErrOutOfService)
	case op == "SystemInfo":
		return nil
	case f.unauthorized:
		return fmt.Errorf("GET /finesse/api/User/%s: 401 Unauthorized: %w", h.agentID, ErrUnauthorized)
	case f.status != finesse.StatusInService || f.rest503:
		return fmt.Errorf("503 SERVER_OUT_OF_SERVICE: %w", ErrOutOfService)
	}
	return nil
}

func (f *fakeSide) count(op string) int {
	f.h.mu.Lock()
	defer f.h.mu.Unlock()
	return f.ops[op]
}

// ---- REST ----------------------------------------------------------------

// serve answers one typed REST call: the side's faults first, then read
// under the harness lock.
func serve[T any](ctx context.Context, f *fakeSide, op string, read func() (T, error)) (T, error) {
	if err := f.gate(ctx, op); err != nil {
		var zero T
		return zero, err
	}
	f.h.mu.Lock()
	defer f.h.mu.Unlock()
	return read()
}

func (f *fakeSide) SystemInfo(ctx context.Context) (*finesse.SystemInfo, error) {
	return serve(ctx, f, "SystemInfo", func() (*finesse.SystemInfo, error) { return f.systemInfoLocked(), nil })
}

func (f *fakeSide) systemInfoLocked() *finesse.SystemInfo {
	return &finesse.SystemInfo{
		Status:         f.status,
		DeploymentType: f.deployment,
		FinesseMMode:   f.mmode,
		XMPPDomain:     f.host,
		PrimaryNode:    &finesse.Node{Host: "fin-a"},
		SecondaryNode:  &finesse.Node{Host: "fin-b"},
	}
}

func (f *fakeSide) User(ctx context.Context, id string) (*finesse.User, error) {
	return serve(ctx, f, "User", func() (*finesse.User, error) { u := f.h.user; return &u, nil })
}

func (f *fakeSide) Dialogs(ctx context.Context, id string) (*finesse.Dialogs, error) {
	return serve(ctx, f, "Dialogs", func() (*finesse.Dialogs, error) {
		ds := &finesse.Dialogs{}
		for _, c := range f.h.calls {
			ds.Dialogs = append(ds.Dialogs, f.dialogLocked(c))
		}
		return ds, nil
	})
}

func (f *fakeSide) Dialog(ctx context.Context, id string) (*finesse.Dialog, error) {
	return serve(ctx, f, "Dialog", func() (*finesse.Dialog, error) {
		for _, c := range f.h.calls {
			if f.idPrefix+c.id == id {
				d := f.dialogLocked(c)
				return &d, nil
			}
		}
		return nil, fmt.Errorf("404 dialog not found")
	})
}

// UpdateUser signs the agent in or sets its state; the calls are counted
// as "SignIn" and "SetState", what the tests ask about.
func (f *fakeSide) UpdateUser(ctx context.Context, id string, ch finesse.UserChange, reqID string) error {
	if ch.State != finesse.StateLogin {
		if err := f.gate(ctx, "SetState"); err != nil {
			return err
		}
		f.h.setAgent(ch.State, ch.ReasonCodeID, reqID)
		return nil
	}
	if err := f.gate(ctx, "SignIn"); err != nil {
		return err
	}
	h := f.h
	h.mu.Lock()
	if h.user.State == finesse.StateLogout {
		h.user.State = finesse.StateNotReady
		h.user.ReasonCodeID, h.user.ReasonCode = "", nil
	}
	h.mu.Unlock()
	h.publishUser(reqID)
	return nil
}

func (f *fakeSide) Do(ctx context.Context, method, path string, body []byte, reqID string) (*RawResponse, error) {
	if err := f.gate(ctx, "Do "+method); err != nil {
		// REST.Do's contract: an answer is a response, never an error.
		switch classify(err) {
		case kindUnauthorized:
			return &RawResponse{Status: 401}, nil
		case kindOutOfService:
			return &RawResponse{Status: 503, Body: []byte("<ApiErrors><ApiError><ErrorType>Service Unavailable</ErrorType><ErrorMessage>SERVER_OUT_OF_SERVICE</ErrorMessage></ApiError></ApiErrors>")}, nil
		}
		return nil, err
	}
	h := f.h
	h.mu.Lock()
	forced, hdr, fbody := f.doStatus, f.doHeader, f.doBody
	h.mu.Unlock()
	if forced != 0 {
		if fbody == "" {
			fbody = "<ApiErrors><ApiError><ErrorMessage>forced</ErrorMessage></ApiError></ApiErrors>"
		}
		return &RawResponse{Status: forced, Header: hdr, Body: []byte(fbody)}, nil
	}
	switch {
	case method == "GET":
		return &RawResponse{Status: 200, Header: hdr, Body: []byte("<User><state>" + string(h.agentState()) + "</state></User>")}, nil
	case method == "PUT" && strings.HasPrefix(path, "/finesse/api/User/"):
		u, err := finesse.DecodeUser(body)
		if err != nil {
			return &RawResponse{Status: 400}, nil
		}
		// The notification follows the 202 shortly, as on a real server.
		h.clk.AfterFunc(10*time.Millisecond, func() { h.setAgent(u.State, u.ReasonCodeID, reqID) })
		return &RawResponse{Status: 202}, nil
	case method == "POST":
		h.mu.Lock()
		early := f.earlyAsync
		h.mu.Unlock()
		if early {
			// The asynchronous answer overtakes the HTTP response.
			h.publishAPIError(reqID)
		} else {
			h.clk.AfterFunc(10*time.Millisecond, func() { h.publishAPIError(reqID) })
		}
		return &RawResponse{Status: 202}, nil
	}
	return &RawResponse{Status: 404}, nil
}

// ---- notifications --------------------------------------------------------

func (f *fakeSide) Dial(ctx context.Context, ep notify.Endpoint, l notify.Listener) (notify.Session, error) {
	h := f.h
	h.mu.Lock()
	f.ops["Dial"]++
	f.endpoints = append(f.endpoints, ep)
	bh, dead, down, unauth, pres, bindConflict := f.blackhole, f.dead, f.notifyDown, f.unauthorized, f.presence, f.bindConflict
	var credErr error
	if !bh && !dead && !down {
		credErr = f.checkCredLocked(ep.Password)
	}
	h.mu.Unlock()
	switch {
	case bh:
		return nil, h.park(ctx)
	case dead || down:
		return nil, fmt.Errorf("bosh: connection refused after 3 attempts: %w", ErrTransport)
	case credErr != nil:
		return nil, credErr
	case bindConflict:
		return nil, fmt.Errorf("notify: bind: %w", &notify.BindError{Condition: "conflict"})
	case unauth:
		return nil, fmt.Errorf("sasl: not-authorized (password %s): %w", ep.Password, ErrUnauthorized)
	}
	s := &fakeSession{side: f, l: l}
	h.mu.Lock()
	f.sessions = append(f.sessions, s)
	f.dialTimes = append(f.dialTimes, h.clk.Now())
	conflict := f.conflictAfter
	h.mu.Unlock()
	if conflict > 0 {
		h.clk.AfterFunc(conflict, func() {
			h.mu.Lock()
			live := !s.closed
			s.closed = true
			f.removeSessionLocked(s)
			h.mu.Unlock()
			if live {
				l.Lost(&notify.LostError{Cause: &notify.StreamError{Condition: "conflict", Text: "Replaced by new connection"}})
			}
		})
	}
	l.FinessePresence(pres)
	return s, nil
}

func (s *fakeSession) Subscribe(ctx context.Context, node string) error {
	f := s.side
	if err := f.sessionGate(ctx, s); err != nil {
		return err
	}
	f.h.mu.Lock()
	f.subscribed = append(f.subscribed, node)
	f.h.mu.Unlock()
	return nil
}

func (s *fakeSession) Unsubscribe(ctx context.Context, node string) error {
	return s.side.sessionGate(ctx, s)
}

func (s *fakeSession) Ping(ctx context.Context) error {
	s.side.h.mu.Lock()
	s.side.ops["Ping"]++
	s.side.h.mu.Unlock()
	return s.side.sessionGate(ctx, s)
}

func (f *fakeSide) sessionGate(ctx context.Context, s *fakeSession) error {
	f.h.mu.Lock()
	bh, dead, closed := f.blackhole, f.dead, s.closed
	f.h.mu.Unlock()
	switch {
	case bh:
		return f.h.park(ctx)
	case dead || closed:
		return fmt.Errorf("session gone: %w", ErrTransport)
	}
	return nil
}

// Transport names the fake's transport as notify's sessions do.
func (s *fakeSession) Transport() string { return "fake-" + s.side.name }

func (s *fakeSession) Close() error {
	f := s.side
	f.h.mu.Lock()
	defer f.h.mu.Unlock()
	s.closed = true
	f.removeSessionLocked(s)
	return nil
}

func (f *fakeSide) removeSessionLocked(s *fakeSession) {
	for i, x := range f.sessions {
		if x == s {
			f.sessions = append(f.sessions[:i], f.sessions[i+1:]...)
			return
		}
	}
}

// liveListeners returns the listeners that would receive a notification now.
func (f *fakeSide) liveListenersLocked() []notify.Listener {
	if f.dead || f.blackhole || f.notifyDown {
		return nil
	}
	var out []notify.Listener
	for _, s := range f.sessions {
		out = append(out, s.l)
	}
	return out
}

// dropSessions ends every session with Lost, as a dying service does.
func (f *fakeSide) dropSessions(why string) {
	f.h.mu.Lock()
	ss := f.sessions
	f.sessions = nil
	for _, s := range ss {
		s.closed = true
	}
	f.h.mu.Unlock()
	for _, s := range ss {
		s.l.Lost(fmt.Errorf("%s: %w", why, ErrTransport))
	}
}

// ---- faults ----------------------------------------------------------------

func (f *fakeSide) with(fn func()) {
	f.h.mu.Lock()
	fn()
	f.h.mu.Unlock()
}

// kill: the process dies, connections are refused.
func (f *fakeSide) kill() {
	f.with(func() { f.dead = true })
	f.dropSessions("connection refused")
}

func (f *fakeSide) revive() { f.with(func() { f.dead = false }) }

func (f *fakeSide) setNotifyDown(down bool) {
	f.with(func() { f.notifyDown = down })
	if down {
		f.dropSessions("notification service down")
	}
}

func (f *fakeSide) setBlackhole(on bool) { f.with(func() { f.blackhole = on }) }

// setStatus changes the side's status and publishes SystemInfo.
func (f *fakeSide) setStatus(st finesse.Status) {
	f.with(func() { f.status = st })
	f.publishSystemInfo()
}

func (f *fakeSide) setMaintenance(on bool) {
	f.with(func() {
		f.mmode = ""
		if on {
			f.mmode = finesse.MaintenanceInProgress
		}
	})
	f.publishSystemInfo()
}

func (f *fakeSide) setPresence(av bool) {
	f.h.mu.Lock()
	f.presence = av
	ls := f.liveListenersLocked()
	f.h.mu.Unlock()
	for _, l := range ls {
		l.FinessePresence(av)
	}
}

func (f *fakeSide) publishSystemInfo() {
	f.h.mu.Lock()
	si := f.systemInfoLocked()
	ls := f.liveListenersLocked()
	f.h.mu.Unlock()
	u := makeUpdate("/finesse/api/SystemInfo", finesse.EventPut, "/finesse/api/SystemInfo", "", si)
	for _, l := range ls {
		l.Update(u)
	}
}

// ---- the shared CTI state --------------------------------------------------

func (h *harness) agentState() finesse.AgentState {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.user.State
}

func (h *harness) setAgent(st finesse.AgentState, reasonID, reqID string) {
	h.mu.Lock()
	h.user.State = st
	h.user.ReasonCodeID = reasonID
	h.user.ReasonCode = nil
	if reasonID != "" {
		h.user.ReasonCode = &finesse.ReasonCode{Code: reasonID, ID: reasonID}
	}
	h.mu.Unlock()
	h.publishUser(reqID)
}

func (h *harness) publishUser(reqID string) {
	h.mu.Lock()
	u := h.user
	var ls []notify.Listener
	for _, f := range h.sides {
		ls = append(ls, f.liveListenersLocked()...)
	}
	h.mu.Unlock()
	node := "/finesse/api/User/" + h.agentID
	up := makeUpdate(node, finesse.EventPut, node, reqID, &u)
	for _, l := range ls {
		l.Update(up)
	}
}

func (h *harness) publishAPIError(reqID string) {
	h.mu.Lock()
	var ls []notify.Listener
	for _, f := range h.sides {
		ls = append(ls, f.liveListenersLocked()...)
	}
	h.mu.Unlock()
	node := "/finesse/api/User/" + h.agentID + "/Dialogs"
	u := &finesse.Update{
		Node: node, Event: finesse.EventPut, Source: node, RequestID: reqID,
		Data: []byte("<apiErrors><apiError><errorType>Invalid State</errorType><errorMessage>CF_INVALID_STATE</errorMessage></apiError></apiErrors>"),
		Raw:  "<Update/>",
	}
	for _, l := range ls {
		l.Update(u)
	}
}

func (f *fakeSide) dialogLocked(c *fakeCall) finesse.Dialog {
	d := finesse.Dialog{
		ID:          f.idPrefix + c.id,
		MediaType:   "Voice",
		FromAddress: c.from,
		ToAddress:   c.to,
		State:       c.state,
		URI:         "/finesse/api/Dialog/" + f.idPrefix + c.id,
		MediaProperties: &finesse.MediaProperties{
			DNIS:          c.dnis,
			CallType:      c.ctype,
			CallKeyPrefix: c.key[0], CallKeyCallID: c.key[1], CallKeySequenceNum: c.key[2],
			CallVariables: append([]finesse.CallVariable(nil), c.vars...),
		},
	}
	for _, p := range c.parties {
		d.Participants = append(d.Participants, finesse.Participant{MediaAddress: p, State: "ACTIVE"})
	}
	if f.nullCallData {
		d.FromAddress, d.ToAddress = "", ""
		d.MediaProperties.DNIS, d.MediaProperties.CallType = "", ""
		for i := range d.MediaProperties.CallVariables {
			d.MediaProperties.CallVariables[i].Value = ""
		}
	}
	return d
}

// callEvent publishes a Dialogs event for call c to every live session.
func (h *harness) callEvent(ev finesse.EventType, c *fakeCall) {
	h.mu.Lock()
	type delivery struct {
		l notify.Listener
		u *finesse.Update
	}
	var ds []delivery
	node := "/finesse/api/User/" + h.agentID + "/Dialogs"
	for _, f := range h.sides {
		d := f.dialogLocked(c)
		var u *finesse.Update
		if ev == finesse.EventPut {
			u = makeUpdate(node, ev, d.URI, "", &d)
		} else {
			u = makeUpdate(node, ev, node, "", &finesse.Dialogs{Dialogs: []finesse.Dialog{d}})
		}
		for _, l := range f.liveListenersLocked() {
			ds = append(ds, delivery{l, u})
		}
	}
	h.mu.Unlock()
	for _, d := range ds {
		d.l.Update(d.u)
	}
}

// startCall puts a new call on the agent's phone.
func (h *harness) startCall(id string, vars ...string) *fakeCall {
	c := &fakeCall{
		id: id, key: [3]string{"152018", "ck" + id, "1"},
		from: "0612345678", to: h.agentID, dnis: "5000", ctype: finesse.CallACDIn,
		state: finesse.DialogActive, parties: []string{"0612345678", h.agentID},
	}
	for i := 0; i+1 < len(vars); i += 2 {
		c.vars = append(c.vars, finesse.CallVariable{Name: vars[i], Value: vars[i+1]})
	}
	h.mu.Lock()
	h.calls = append(h.calls, c)
	h.mu.Unlock()
	h.callEvent(finesse.EventPost, c)
	return c
}

// changeCall modifies a call and publishes a Dialog PUT.
func (h *harness) changeCall(c *fakeCall, fn func(c *fakeCall)) {
	h.mu.Lock()
	fn(c)
	h.mu.Unlock()
	h.callEvent(finesse.EventPut, c)
}

// endCall drops a call: Dialogs DELETE.
func (h *harness) endCall(c *fakeCall) {
	h.mu.Lock()
	for i, x := range h.calls {
		if x == c {
			h.calls = append(h.calls[:i], h.calls[i+1:]...)
			break
		}
	}
	c.state = finesse.DialogDropped
	h.mu.Unlock()
	h.callEvent(finesse.EventDelete, c)
}

func makeUpdate(node string, ev finesse.EventType, source, reqID string, v any) *finesse.Update {
	data, err := xml.Marshal(v)
	if err != nil {
		panic(err)
	}
	raw := fmt.Sprintf("<Update><event>%s</event><requestId>%s</requestId><source>%s</source><data>%s</data></Update>",
		ev, reqID, source, data)
	return &finesse.Update{Node: node, Event: ev, Source: source, RequestID: reqID, Data: data, Raw: raw}
}

// stubList serves Dialogs as id-only stubs, as a trimmed list would.
type stubList struct {
	*fakeSide
	stub finesse.Dialog
}

func (s *stubList) Dialogs(ctx context.Context, id string) (*finesse.Dialogs, error) {
	return &finesse.Dialogs{Dialogs: []finesse.Dialog{s.stub}}, nil
}

// nopSession is a session that does nothing.
type nopSession struct{}

func (nopSession) Subscribe(context.Context, string) error   { return nil }
func (nopSession) Unsubscribe(context.Context, string) error { return nil }
func (nopSession) Ping(context.Context) error                { return nil }
func (nopSession) Close() error                              { return nil }

// secretOf is the password or token a REST call carries.
func secretOf(ctx context.Context) string {
	a, _ := AuthFrom(ctx)
	return a.Password + a.Token
}

// checkCredLocked plays the server's side of a login: a refused
// credential or an expired token gets a 401, counted per credential.
func (f *fakeSide) checkCredLocked(secret string) error {
	expired := tokenExpiredAt(secret, f.h.clk.Now())
	if expired {
		f.sentExpired++
	}
	if f.refuse[secret] || expired {
		f.got401[secret]++
		// A careless server (or adapter) quotes the credential in every
		// form it had it: the engine must scrub them all.
		return fmt.Errorf("401 Unauthorized (credential %s): %w", echoForms(f.h.agentID, secret), finesse.ErrUnauthorized)
	}
	return nil
}

func tokenExpiredAt(secret string, now time.Time) bool {
	_, exp, ok := tokenTimes(secret)
	return ok && !now.Before(exp)
}

// echoForms is secret as given, in base64, as a Basic header value and as a
// SASL PLAIN response.
func echoForms(user, secret string) string {
	enc := base64.StdEncoding.EncodeToString
	return strings.Join([]string{secret, enc([]byte(secret)), "Basic " + enc([]byte(user+":"+secret)), enc([]byte("\x00" + user + "\x00" + secret))}, " ")
}
