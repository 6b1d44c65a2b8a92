package failover

import (
	"context"
	"fmt"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/notify"
)

// notifySession is the notification session and the dial that may replace
// it. A token identifies the session (or the dial in progress) a listener
// callback belongs to, so a late callback of an old one is ignored.
type notifySession struct {
	sess      notify.Session
	side      int
	token     uint64
	dialToken uint64
	dialSide  int
	dialLost  bool
	tokenSeq  uint64
	buffered  []*finesse.Update // notifications that arrived during a re-sync
	subs      []string          // explicit pubsub nodes, subscribed on every connect
	// conflictUntil: no bind before this (conflict.go).
	conflictUntil time.Time
}

// syncInput is what one connection attempt needs, copied off the reactor so
// the attempt's goroutine touches no engine state.
type syncInput struct {
	side      int
	token     uint64
	reuse     notify.Session // live session to this side, re-synced without a dial
	dialer    notify.Dialer
	ep        notify.Endpoint
	listener  notify.Listener
	rest      REST
	subs      []string
	agentID   string
	extension string
	cred      *credential // what this attempt sends, for attributing a 401
	signIn    bool        // LOGIN if the side reports the agent signed out
	signInID  string
	// reloginForced allows that LOGIN also after a forced logout (255);
	// without ReloginAfterForcedLogout such a logout is reported, not undone.
	reloginForced bool
}

type syncResult struct {
	sess      notify.Session
	dialed    bool
	stage     string
	err       error
	user      *finesse.User
	dialogs   []finesse.Dialog
	subErrs   []string
	signedIn  bool
	signInErr error
}

// connect runs one connection attempt on side i (SPEC §3.3.4 and §3.4):
// open the notification session (or keep the live one), re-issue explicit
// subscriptions, sign in if needed, GET User and Dialogs; onSynced then
// diffs the result against the last known state.
func (e *Engine) connect(i int) {
	if wait := e.conflictPause(); wait > 0 && !(e.notif.sess != nil && e.notif.side == i) {
		// After a conflict the next bind waits; the sides are polled
		// again when the pause ends, since much can change meanwhile.
		e.newStep(phWaiting)
		e.afterStep(wait, e.round)
		return
	}
	state := StateReconnecting
	switch {
	case !e.rec.everConnected:
		state = StateConnecting
	case i != e.rec.lastConnSide:
		state = StateFailingOver
	}
	e.newStep(phConnecting)
	e.rec.attempt++
	e.setConn(state, i, e.rec.reason)
	e.record("connect", i, fmt.Sprintf("attempt %d", e.rec.attempt))

	in := syncInput{
		side:      i,
		dialer:    e.sides[i].cfg.Dialer,
		ep:        e.endpoint(i),
		rest:      e.sides[i].cfg.REST,
		subs:      append([]string(nil), e.notif.subs...),
		agentID:   e.cfg.AgentID,
		extension: e.cfg.Extension,
		cred:      e.creds.cur,
	}
	if e.notif.sess != nil && e.notif.side == i {
		in.reuse, in.token = e.notif.sess, e.notif.token
	} else {
		e.dropSession()
		e.notif.tokenSeq++
		in.token = e.notif.tokenSeq
		e.sides[i].presence = presenceUnknown
	}
	in.listener = e.listener(in.token)
	if u := e.model.agent.user; u != nil && u.State != finesse.StateLogout && u.State != "" && e.cfg.Extension != "" {
		in.signIn, in.signInID = true, e.requests.newID()
		in.reloginForced = e.pol.ReloginAfterForcedLogout
	}
	e.notif.dialToken, e.notif.dialSide, e.notif.dialLost = in.token, i, false
	e.notif.buffered = nil

	gen := e.step.gen
	e.spawn(0, func(ctx context.Context) func() {
		r := e.runSync(ctx, in)
		return func() { e.onSynced(gen, in, r) }
	})
}

// endpoint completes the side's Endpoint with what SystemInfo told.
func (e *Engine) endpoint(i int) notify.Endpoint {
	// An empty Resource stays empty: notify then binds a resource unique to
	// the session, so two clients of one agent never conflict (SPEC §3.3.10).
	ep := e.sides[i].cfg.Endpoint
	if si := e.sides[i].info; si != nil {
		if ep.Domain == "" {
			ep.Domain = si.XMPPDomain
		}
		if ep.PubSubDomain == "" {
			ep.PubSubDomain = si.XMPPPubSubDomain
		}
	}
	if ep.Username == "" {
		ep.Username = e.cfg.AgentID
	}
	if c := e.creds.cur; c.auth != (finesse.Auth{}) {
		// SASL PLAIN: the password, or an SSO agent's token (research/
		// finesse-protocol.md §1.3), as it is now, at each dial.
		ep.Password = c.auth.Password
		if c.isToken() {
			ep.Password = c.auth.Token
		}
	}
	return ep
}

// runSync is the I/O of one attempt, on its own goroutine.
func (e *Engine) runSync(ctx context.Context, in syncInput) (r syncResult) {
	call := func(stage string, f func(ctx context.Context) error) bool {
		cctx, release := e.withTimeout(ctx, e.pol.RequestTimeout)
		err := ioErr(cctx, f(cctx))
		release()
		if err != nil {
			r.stage, r.err = stage, err
			return false
		}
		return true
	}

	r.sess = in.reuse
	if r.sess == nil {
		dctx, release := e.withTimeout(ctx, e.pol.DialTimeout)
		s, err := in.dialer.Dial(dctx, in.ep, in.listener)
		err = ioErr(dctx, err)
		release()
		if err == nil && s == nil {
			err = ErrTransport
		}
		if err != nil {
			if s != nil {
				_ = s.Close()
			}
			r.stage, r.err = "dial", err
			return r
		}
		r.sess, r.dialed = s, true
	}

	for _, node := range in.subs {
		sctx, release := e.withTimeout(ctx, e.pol.RequestTimeout)
		err := ioErr(sctx, r.sess.Subscribe(sctx, node))
		release()
		if err != nil {
			if classify(err) == kindUnauthorized {
				r.stage, r.err = "subscribe", err
				return r
			}
			r.subErrs = append(r.subErrs, "subscribe "+node+": "+err.Error())
		}
	}

	var u *finesse.User
	getUser := func(ctx context.Context) (err error) {
		u, err = in.rest.User(ctx, in.agentID)
		if err == nil && u == nil {
			err = ErrTransport
		}
		return err
	}
	if !call("user", getUser) {
		return r
	}
	if u.State == finesse.StateLogout && in.signIn && (!isForcedLogout(u) || in.reloginForced) {
		// LOGIN is safe: a signed-in agent keeps its state (SPEC §3.3.4).
		err := func() error {
			cctx, release := e.withTimeout(ctx, e.pol.RequestTimeout)
			defer release()
			return ioErr(cctx, in.rest.UpdateUser(cctx, in.agentID, finesse.UserChange{State: finesse.StateLogin, Extension: in.extension}, in.signInID))
		}()
		switch {
		case err == nil:
			r.signedIn = true
			if !call("user", getUser) {
				return r
			}
		case classify(err) == kindUnauthorized:
			r.stage, r.err = "signin", err
			return r
		default:
			r.signInErr = err
		}
	}
	r.user = u

	var ds *finesse.Dialogs
	if !call("dialogs", func(ctx context.Context) (err error) {
		ds, err = in.rest.Dialogs(ctx, in.agentID)
		return err
	}) {
		return r
	}
	if ds != nil {
		r.dialogs = append([]finesse.Dialog(nil), ds.Dialogs...)
	}
	// A list entry without state or media properties is a stub: fetch the
	// whole Dialog. A failure keeps the stub; the next notification fills it.
	for k := range r.dialogs {
		d := &r.dialogs[k]
		if d.ID == "" || (d.State != "" && d.MediaProperties != nil) {
			continue
		}
		cctx, release := e.withTimeout(ctx, e.pol.RequestTimeout)
		full, err := in.rest.Dialog(cctx, d.ID)
		err = ioErr(cctx, err)
		release()
		switch {
		case err == nil && full != nil:
			*d = *full
		case classify(err) == kindUnauthorized:
			r.stage, r.err = "dialog", err
			return r
		}
	}
	return r
}

// onSynced applies the result of an attempt on the reactor.
func (e *Engine) onSynced(gen uint64, in syncInput, r syncResult) {
	if gen != e.step.gen {
		if r.dialed && r.sess != nil {
			e.closeSession(r.sess)
		}
		return
	}
	i := in.side
	e.notif.dialToken = 0
	if r.err == nil && e.notif.dialLost {
		r.stage, r.err = "session", fmt.Errorf("notification session lost during re-sync: %w", ErrTransport)
	}
	if r.err != nil {
		e.connectFailed(in, r)
		return
	}
	if in.reuse == nil {
		e.notif.sess, e.notif.side, e.notif.token = r.sess, i, in.token
	}
	s := e.sides[i]
	s.dialFails, s.lastErr, s.dialBusy = 0, "", false
	for _, msg := range r.subErrs {
		e.reportError(ErrCodeSubscribe, i, msg)
	}
	if r.signInErr != nil {
		e.reportError(ErrCodeSignIn, i, "LOGIN after reconnect: "+r.signInErr.Error())
	}
	if r.signedIn {
		e.record("signin", i, "LOGIN re-issued")
	}

	ch, gap := e.model.resync(r.user, r.dialogs, e.sides[i].name)
	switched := e.rec.lastConnSide >= 0 && e.rec.lastConnSide != i
	e.applyChange(ch, i)

	reason := ReasonStart
	if e.rec.everConnected {
		reason = ReasonRecovered
		if switched {
			reason = ReasonSwitched
			e.record("switch", i, "from side "+e.sides[e.rec.lastConnSide].name)
			e.rec.switched, e.rec.switchedAt = true, e.clk.Now()
		}
	}
	e.cur, e.rec.lastConnSide, e.rec.everConnected = i, i, true
	e.newStep(phConnected)
	e.setConn(StateConnected, i, reason)
	e.rec.attempt = 0
	if gap {
		e.endGap(i)
	}
	e.schedulePing()
	e.flushRequests()

	buffered := e.notif.buffered
	e.notif.buffered = nil
	for _, u := range buffered {
		if e.notif.sess == nil || e.notif.token != in.token {
			break
		}
		e.applyUpdate(i, u)
	}
	if e.step.phase != phConnected {
		return
	}
	switch {
	case s.presence == presenceUnavailable:
		e.trigger(ReasonPresenceUnavailable, false)
	case s.info.InMaintenance():
		e.startMove()
	}
}

func (e *Engine) connectFailed(in syncInput, r syncResult) {
	i := in.side
	if r.dialed && r.sess != nil {
		e.closeSession(r.sess)
	}
	kind := classify(r.err)
	e.sides[i].lastErr = e.secrets.scrub(r.err.Error())
	e.record("connect-failed", i, r.stage+": "+kind.String())
	if isConflict(r.err) {
		e.noteConflict(i)
		e.round() // connect waits out the pause
		return
	}
	switch kind {
	case kindUnauthorized:
		e.onRefused(i, in.cred, r.stage)
		e.round()
		return
	case kindExpired:
		e.round() // waits for a fresh token
		return
	}
	e.sides[i].dialFails++
	e.sides[i].dialBusy = kind == kindOutOfService
	e.retryAfterFailure(i)
}

// listener routes a session's callbacks onto the reactor, tagged with the
// session's token so that callbacks of an old session are ignored.
func (e *Engine) listener(token uint64) notify.Listener {
	return notify.Listener{
		Update: func(u *finesse.Update) {
			if u != nil {
				e.post(func() { e.onUpdate(token, u) })
			}
		},
		FinessePresence: func(available bool) { e.post(func() { e.onPresence(token, available) }) },
		Lost:            func(err error) { e.post(func() { e.onLost(token, err) }) },
		Error: func(err error) {
			if err != nil {
				e.post(func() { e.onSessionError(token, err) })
			}
		},
	}
}

func (e *Engine) onUpdate(token uint64, u *finesse.Update) {
	switch {
	case token != 0 && token == e.notif.dialToken && e.step.phase == phConnecting:
		// Held until the re-sync is applied, then replayed on top of it.
		e.notif.buffered = append(e.notif.buffered, u)
	case token != 0 && token == e.notif.token && e.notif.sess != nil:
		e.applyUpdate(e.notif.side, u)
	}
}

func (e *Engine) onPresence(token uint64, available bool) {
	var side int
	switch {
	case token != 0 && token == e.notif.dialToken && e.step.phase == phConnecting:
		side = e.notif.dialSide
	case token != 0 && token == e.notif.token && e.notif.sess != nil:
		side = e.notif.side
	default:
		return
	}
	p := presenceUnavailable
	if available {
		p = presenceAvailable
	}
	if e.sides[side].presence == p {
		return
	}
	e.sides[side].presence = p
	e.record("finesse-presence", side, p.String())
	if token != e.notif.token {
		return
	}
	switch {
	case !available && e.step.phase == phConnected:
		e.trigger(ReasonPresenceUnavailable, false)
	case available && e.step.phase == phWaiting:
		// Recovery case 3 of Cisco: presence back on the open session.
		e.round()
	}
}

// onSessionError reports a problem the session survived (e.g. a pubsub
// item that was not a decodable <Update>).
func (e *Engine) onSessionError(token uint64, err error) {
	if token == 0 || (token != e.notif.token && token != e.notif.dialToken) {
		return
	}
	side := e.notif.side
	if token != e.notif.token {
		side = e.notif.dialSide
	}
	e.reportError(ErrCodeDecode, side, err.Error())
}

func (e *Engine) onLost(token uint64, err error) {
	if token == 0 {
		return
	}
	if token == e.notif.dialToken && e.step.phase == phConnecting {
		e.notif.dialLost = true
		if isConflict(err) {
			e.noteConflict(e.notif.dialSide)
		}
	}
	if token != e.notif.token || e.notif.sess == nil {
		return
	}
	side := e.notif.side
	msg := "session ended"
	if err != nil {
		msg = err.Error()
	}
	e.record("notification-lost", side, msg)
	e.notif.sess, e.notif.token = nil, 0
	e.sides[side].presence = presenceUnknown
	reason := ReasonNotificationLost
	if isConflict(err) {
		e.noteConflict(side)
		reason = ReasonConflict
	}
	if e.step.phase == phConnected {
		e.trigger(reason, false)
	}
}

// dropSession forgets the current session and closes it in the background.
func (e *Engine) dropSession() {
	if e.notif.sess == nil {
		return
	}
	s := e.notif.sess
	e.sides[e.notif.side].presence = presenceUnknown
	e.notif.sess, e.notif.token = nil, 0
	e.closeSession(s)
}

// closeSession closes s off the reactor: Close may wait for the network.
func (e *Engine) closeSession(s notify.Session) {
	e.spawnIn(context.Background(), 0, func(context.Context) func() {
		_ = s.Close()
		return nil
	})
}
