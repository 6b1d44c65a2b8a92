package failover

import (
	"context"
	"strings"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// recovery is how the sides have fared across recoveries: what the page
// was last told, the recovery under way, and the last switch.
type recovery struct {
	conn          ConnectionEvent // last connection event
	lastConnSide  int             // side of the last successful sync; -1 before
	everConnected bool
	reason        string // trigger of the current recovery
	attempt       int
	busyRounds    int // rounds in a row that ended with no side usable and one busy
	pollPending   int // SystemInfo polls of the current round still out
	switched      bool
	switchedAt    time.Time // of the last switch, for the forced-logout window
}

// trigger starts a recovery from the connected state (SPEC §3.2). When the
// session is dead (lost, or a ping went unanswered) it is dropped; when the
// side said OUT_OF_SERVICE or the finesse user went unavailable, the session
// stays open so the side's return is seen at once (Cisco's recovery cases 2
// and 3).
func (e *Engine) trigger(reason string, sessionDead bool) {
	if e.step.phase != phConnected {
		return
	}
	e.record("trigger", e.cur, reason)
	if sessionDead {
		e.dropSession()
	}
	e.model.agent.noteGap()
	e.rec.reason = reason
	e.rec.attempt = 0
	e.setConn(StateReconnecting, e.cur, reason)
	e.round()
}

// round polls SystemInfo of every side at once and decides when all answered
// or timed out (SPEC §3.3.1).
//
// Sides that refused the current credential are left out: they are not
// asked anything with it again. With none left, or with an expired token,
// the engine waits for new credentials.
func (e *Engine) round() {
	if !e.credLive() {
		e.refreshToken("expired")
		e.waitForCredentials()
		return
	}
	e.newStep(phPolling)
	e.rec.pollPending = 0
	for i := range e.sides {
		if !e.refusedBy(i) {
			e.rec.pollPending++
		}
	}
	if e.rec.pollPending == 0 {
		e.waitForCredentials()
		return
	}
	for i := range e.sides {
		if e.refusedBy(i) {
			continue
		}
		e.pollSide(i, func() {
			e.rec.pollPending--
			if e.rec.pollPending == 0 {
				e.decide()
			}
		})
	}
}

// pollSide checks one side's SystemInfo; then runs unless the step changed.
// A side that refused the current credential is not asked: then runs at
// once with what is known (usable reports it unusable).
func (e *Engine) pollSide(i int, then func()) {
	if e.refusedBy(i) {
		then()
		return
	}
	gen := e.step.gen
	rest, c := e.sides[i].cfg.REST, e.creds.cur
	e.spawn(e.pol.HealthTimeout, func(ctx context.Context) func() {
		si, err := rest.SystemInfo(ctx)
		err = ioErr(ctx, err)
		return func() {
			if gen != e.step.gen {
				return
			}
			e.recordHealth(i, si, err, c)
			if gen != e.step.gen {
				return // the answer was a 401 on the side in use: recovery began
			}
			then()
		}
	})
}

// recordHealth stores a poll result made with credential c.
func (e *Engine) recordHealth(i int, si *finesse.SystemInfo, err error, c *credential) {
	s := e.sides[i]
	s.checkedAt = e.clk.Now()
	if err == nil && si == nil {
		err = ErrTransport
	}
	s.pollBusy = classify(err) == kindOutOfService
	if err != nil {
		s.info, s.infoErr = nil, err
		s.lastErr = e.secrets.scrub(err.Error())
		if classify(err) == kindUnauthorized {
			e.onRefused(i, c, "SystemInfo")
		}
		return
	}
	s.info, s.infoErr = si, nil
}

// usable reports whether side i may be connected to now: IN_SERVICE (first),
// then a notification session that has not failed too often (second), then
// a finesse presence that is not explicitly unavailable (third; no presence
// news yet counts as usable, because Finesse only tells when it changes and
// a missing presence must not block a failover).
func (e *Engine) usable(i int, allowMaintenance bool) bool {
	s := e.sides[i]
	if e.refusedBy(i) || !s.info.InService() {
		return false
	}
	if s.info.InMaintenance() && !allowMaintenance {
		return false
	}
	if e.notif.sess != nil && e.notif.side == i && s.presence == presenceUnavailable {
		return false
	}
	return s.dialFails < e.pol.TransportRetries
}

// pickTarget applies "prefer the current side" and "switch only to a side in
// service"; a side in maintenance is used only when nothing else is.
func (e *Engine) pickTarget() int {
	order := []int{e.cur}
	if a := e.alt(e.cur); a >= 0 {
		order = append(order, a)
	}
	for _, allowMaint := range []bool{false, true} {
		for _, i := range order {
			if e.usable(i, allowMaint) {
				return i
			}
		}
	}
	return -1
}

func (e *Engine) decide() {
	var b strings.Builder
	for i, s := range e.sides {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(s.name + "=" + s.summary())
	}
	e.record("poll", -1, b.String())
	switch t := e.pickTarget(); {
	case t < 0:
		e.noSide()
	case t == e.cur:
		e.withJitter(func() { e.connect(e.cur) })
	default:
		e.prepareSwitch(t)
	}
}

// noSide reports disconnected (unauthorized when a side refused the
// current credentials) and polls again after PollInterval, forever. Each
// new period gives every side a fresh set of transport attempts.
func (e *Engine) noSide() {
	e.newStep(phWaiting)
	for _, s := range e.sides {
		s.dialFails = 0
	}
	if len(e.refusedSides()) > 0 {
		e.setConn(StateUnauthorized, e.refusingSide(), ReasonUnauthorized)
	} else {
		e.setConn(StateDisconnected, e.cur, ReasonNoSideUsable)
	}
	e.afterStep(e.nextPoll(), e.round)
}

// nextPoll is the pause before the next round while no side is usable:
// PollInterval, or a short, growing, jittered BusyRetry while a side
// answers 503 (see Policy.BusyRetry).
func (e *Engine) nextPoll() time.Duration {
	busy := false
	for _, s := range e.sides {
		busy = busy || s.pollBusy || s.dialBusy
	}
	if !busy {
		e.rec.busyRounds = 0
		return e.pol.PollInterval
	}
	d := min(e.pol.BusyRetry<<min(e.rec.busyRounds, 16), e.pol.PollInterval)
	e.rec.busyRounds++
	if e.pol.Jitter > 0 {
		d += e.jitter()
	}
	e.record("busy", -1, "a side answered 503: polling again in "+d.String())
	return d
}

// prepareSwitch waits the jitter, checks the current side once more (it may
// have recovered meanwhile: then stay), and switches to side t.
func (e *Engine) prepareSwitch(t int) {
	e.withJitter(func() {
		e.newStep(phRecheck)
		e.pollSide(e.cur, func() {
			if e.usable(e.cur, false) || !e.usable(t, true) {
				e.record("recheck", e.cur, "current side usable again: staying")
				e.connect(e.cur)
				return
			}
			e.connect(t)
		})
	})
}

// withJitter runs f after a random pause (SPEC §3.3.5). The first connection
// after Start has none: it is not a reaction to a failure shared by many
// clients.
func (e *Engine) withJitter(f func()) {
	if !e.rec.everConnected || e.pol.Jitter <= 0 {
		f()
		return
	}
	d := e.jitter()
	e.newStep(phJitter)
	e.record("jitter", -1, d.String())
	e.afterStep(d, f)
}

// retryAfterFailure schedules the next round after a failed connection
// attempt on side i: a short, growing backoff while the side still has
// transport attempts left, at once when it has none (the other side may be
// usable).
func (e *Engine) retryAfterFailure(i int) {
	fails := e.sides[i].dialFails
	if fails >= e.pol.TransportRetries {
		e.round()
		return
	}
	backoff := e.pol.TransportBackoff << (fails - 1)
	e.newStep(phWaiting)
	e.afterStep(backoff, e.round)
}

// onSystemInfo applies a SystemInfo notification from the session's side.
func (e *Engine) onSystemInfo(i int, si *finesse.SystemInfo) {
	s := e.sides[i]
	s.info, s.infoErr, s.checkedAt = si, nil, e.clk.Now()
	switch {
	case e.step.phase == phConnected && i == e.cur && !si.InService():
		e.trigger(ReasonOutOfService, false)
	case e.step.phase == phConnected && i == e.cur && si.InMaintenance():
		e.startMove()
	case e.step.phase == phWaiting && si.InService():
		// Recovery case 2 of Cisco: wait on the open session for IN_SERVICE.
		e.round()
	}
}

// startMove handles finesseMMode IN_PROGRESS: while still connected, check
// the other side and move there (with jitter) once it is in service; until
// then stay, since the side in maintenance still works.
func (e *Engine) startMove() {
	a := e.alt(e.cur)
	if a < 0 || e.step.moving {
		return
	}
	e.step.moving = true
	e.record("trigger", e.cur, ReasonMaintenance)
	e.pollSide(a, func() {
		e.step.moving = false
		if !e.sides[e.cur].info.InMaintenance() {
			return
		}
		if !e.usable(a, false) {
			e.afterStep(e.pol.PollInterval, e.startMove)
			return
		}
		e.rec.reason = ReasonMaintenance
		e.rec.attempt = 0
		e.model.agent.noteGap()
		d := e.jitter()
		e.newStep(phJitter)
		e.record("jitter", -1, d.String())
		e.afterStep(d, func() { e.connect(a) })
	})
}

// elapsedSince is a helper for windows measured on the engine clock.
func (e *Engine) elapsedSince(t time.Time) time.Duration { return e.clk.Now().Sub(t) }

// summary is a side's health in a word or two, for the history.
func (s *sideState) summary() string {
	switch {
	case s.info != nil && s.info.InMaintenance():
		return string(s.info.Status) + "+maintenance"
	case s.info != nil:
		return string(s.info.Status)
	case s.infoErr != nil:
		return "UNREACHABLE(" + classify(s.infoErr).String() + ")"
	}
	return "unknown"
}
