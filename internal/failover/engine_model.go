package failover

import (
	"context"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// The engine's side of the model (model.go): it feeds the model what the
// sides send, emits the events that come out, and does the I/O the model
// asks for (a sign-in after a forced logout, a state restore).

// applyChange emits what the model says changed on side and reacts to a
// new copy of the agent: the forced-logout guard, and a pending restore it
// may now allow.
func (e *Engine) applyChange(ch change, side int) {
	if ev := ch.agent; ev != nil {
		e.emit(*ev)
		if ev.ForcedLogout {
			e.onForcedLogout(ch.old, side)
		}
	}
	if ch.user {
		e.maybeRestore()
	}
	for _, ev := range ch.dialogs {
		e.emit(ev)
	}
}

// onForcedLogout is the forced-logout guard (SPEC §3.5): the old side signs
// the agent out 60-180 s after a switch because it saw the agent's presence
// go. The event is always flagged; with ReloginAfterForcedLogout the agent
// is signed in again on the current side, but only inside the window after
// a switch, so that a deliberate logout elsewhere is not undone forever.
func (e *Engine) onForcedLogout(old *finesse.User, side int) {
	e.record("forced-logout", side, "LOGOUT with reason code 255")
	if !e.pol.ReloginAfterForcedLogout || e.cfg.Extension == "" || e.step.phase != phConnected {
		return
	}
	if !e.rec.switched || e.elapsedSince(e.rec.switchedAt) > e.pol.ForcedLogoutWindow {
		return
	}
	if e.pol.RestoreAgentState {
		e.model.agent.restoreLater(old)
	}
	i := e.cur
	rest, id, ext, reqID, c := e.sides[i].cfg.REST, e.cfg.AgentID, e.cfg.Extension, e.requests.newID(), e.creds.cur
	e.record("relogin", i, "LOGIN after forced logout")
	e.spawnIn(e.life.ctx, e.pol.RequestTimeout, func(ctx context.Context) func() {
		err := ioErr(ctx, rest.UpdateUser(ctx, id, finesse.UserChange{State: finesse.StateLogin, Extension: ext}, reqID))
		return func() { e.stateCallDone(i, c, ErrCodeSignIn, "LOGIN after forced logout", err) }
	})
}

// endGap runs after the re-sync that closes a gap.
func (e *Engine) endGap(side int) {
	wasGap, pending := e.model.agent.closeGap(e.pol.RestoreAgentState)
	if !wasGap {
		return
	}
	if pending != "" {
		e.record("restore-state", side, "pending: "+string(pending))
	}
	e.maybeRestore()
}

// maybeRestore issues the pending state restore when connected and the
// model says the agent can be put back now.
func (e *Engine) maybeRestore() {
	if e.step.phase != phConnected {
		return
	}
	target, reasonID, ok := e.model.agent.takeRestore()
	if !ok {
		return
	}
	i := e.cur
	rest, id, reqID, c := e.sides[i].cfg.REST, e.cfg.AgentID, e.requests.newID(), e.creds.cur
	e.record("restore-state", i, string(target))
	e.spawnIn(e.life.ctx, e.pol.RequestTimeout, func(ctx context.Context) func() {
		err := ioErr(ctx, rest.UpdateUser(ctx, id, finesse.UserChange{State: target, ReasonCodeID: reasonID}, reqID))
		return func() { e.stateCallDone(i, c, ErrCodeRestoreState, "restore "+string(target), err) }
	})
}

// stateCallDone reports the outcome of a state change the engine made.
func (e *Engine) stateCallDone(side int, c *credential, code, what string, err error) {
	switch {
	case err == nil || e.life.closed:
	case classify(err) == kindUnauthorized:
		e.onRefused(side, c, what)
	default:
		e.reportError(code, side, what+": "+err.Error())
	}
}
