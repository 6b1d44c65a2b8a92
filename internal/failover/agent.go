package failover

import (
	"context"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// agentModel is the agent's last known state and what a failover changed.
type agentModel struct {
	user *finesse.User
	// inGap is set from a trigger until the next successful re-sync;
	// gapFrom/gapReasonID hold the state when the gap began.
	inGap       bool
	gapFrom     finesse.AgentState
	gapReasonID string
	// beforeFailover is the state before the last gap (AgentView.Previous).
	beforeFailover finesse.AgentState
	// restoreTo is a state to put the agent back into once the side lets
	// us (RestoreAgentState only).
	restoreTo       finesse.AgentState
	restoreReasonID string
}

func (a *agentModel) noteGap() {
	if a.inGap {
		return
	}
	a.inGap = true
	a.gapFrom, a.gapReasonID = "", ""
	if a.user != nil {
		a.gapFrom, a.gapReasonID = a.user.State, a.user.ReasonCodeID
	}
}

func reasonLabel(u *finesse.User) string {
	if u == nil || u.ReasonCode == nil {
		return ""
	}
	return u.ReasonCode.Label
}

func isForcedLogout(u *finesse.User) bool {
	return u != nil && u.State == finesse.StateLogout && u.ReasonCodeValue() == finesse.ForcedLogoutReasonCode
}

// restorable states are the ones an agent sets by hand; the others (talking,
// reserved, work...) follow calls and are never forced.
func restorable(s finesse.AgentState) bool {
	return s == finesse.StateReady || s == finesse.StateNotReady
}

// applyUser takes a new copy of the agent (from a notification, or from a
// re-sync when synthetic) and reports a change of state or reason code.
func (e *Engine) applyUser(u *finesse.User, synthetic bool, side int) {
	if u == nil {
		return
	}
	old := e.agent.user
	e.agent.user = u
	if old != nil && old.State == u.State && old.ReasonCodeValue() == u.ReasonCodeValue() {
		e.maybeRestore()
		return
	}
	ev := AgentEvent{
		State:        u.State,
		ReasonCode:   u.ReasonCodeValue(),
		ReasonLabel:  reasonLabel(u),
		Synthetic:    synthetic,
		ForcedLogout: isForcedLogout(u),
		Side:         e.sides[side].name,
	}
	if old != nil {
		ev.Previous = old.State
	}
	e.emit(ev)
	if ev.ForcedLogout {
		e.onForcedLogout(old, side)
	}
	e.maybeRestore()
}

// onForcedLogout is the forced-logout guard (SPEC §3.5): the old side signs
// the agent out 60-180 s after a switch because it saw the agent's presence
// go. The event is always flagged; with ReloginAfterForcedLogout the agent
// is signed in again on the current side, but only inside the window after
// a switch, so that a deliberate logout elsewhere is not undone forever.
func (e *Engine) onForcedLogout(old *finesse.User, side int) {
	e.record("forced-logout", side, "LOGOUT with reason code 255")
	if !e.pol.ReloginAfterForcedLogout || e.cfg.Extension == "" || e.phase != phConnected {
		return
	}
	if !e.switched || e.elapsedSince(e.switchedAt) > e.pol.ForcedLogoutWindow {
		return
	}
	if old != nil && e.pol.RestoreAgentState && restorable(old.State) {
		e.agent.restoreTo, e.agent.restoreReasonID = old.State, old.ReasonCodeID
	}
	i := e.cur
	rest, id, ext, reqID, c := e.sides[i].cfg.REST, e.cfg.AgentID, e.cfg.Extension, e.newRequestID(), e.cred
	e.record("relogin", i, "LOGIN after forced logout")
	e.spawnIn(e.rootCtx, e.pol.RequestTimeout, func(ctx context.Context) func() {
		err := ioErr(ctx, rest.SignIn(ctx, id, ext, reqID))
		return func() { e.stateCallDone(i, c, ErrCodeSignIn, "LOGIN after forced logout", err) }
	})
}

// endGap runs after the re-sync that closes a gap.
func (e *Engine) endGap(side int) {
	a := &e.agent
	if !a.inGap {
		return
	}
	a.inGap = false
	from, reasonID := a.gapFrom, a.gapReasonID
	a.gapFrom, a.gapReasonID = "", ""
	if from == "" {
		return
	}
	a.beforeFailover = from
	if e.pol.RestoreAgentState && restorable(from) && a.user != nil &&
		(a.user.State != from || (from == finesse.StateNotReady && reasonID != "" && a.user.ReasonCodeID != reasonID)) {
		a.restoreTo, a.restoreReasonID = from, reasonID
		e.record("restore-state", side, "pending: "+string(from))
	}
	e.maybeRestore()
}

// maybeRestore issues the pending state restore once the agent is in a
// state that can be changed by hand (not while signed out or on a call).
func (e *Engine) maybeRestore() {
	a := &e.agent
	if a.restoreTo == "" || e.phase != phConnected || a.user == nil || !restorable(a.user.State) {
		return
	}
	target, reasonID := a.restoreTo, a.restoreReasonID
	a.restoreTo, a.restoreReasonID = "", ""
	if a.user.State == target && (target != finesse.StateNotReady || reasonID == "" || a.user.ReasonCodeID == reasonID) {
		return
	}
	i := e.cur
	rest, id, reqID, c := e.sides[i].cfg.REST, e.cfg.AgentID, e.newRequestID(), e.cred
	e.record("restore-state", i, string(target))
	e.spawnIn(e.rootCtx, e.pol.RequestTimeout, func(ctx context.Context) func() {
		err := ioErr(ctx, rest.SetState(ctx, id, target, reasonID, reqID))
		return func() { e.stateCallDone(i, c, ErrCodeRestoreState, "restore "+string(target), err) }
	})
}

// stateCallDone reports the outcome of a state change the engine made.
func (e *Engine) stateCallDone(side int, c *credential, code, what string, err error) {
	switch {
	case err == nil || e.closed:
	case classify(err) == kindUnauthorized:
		e.onRefused(side, c, what)
	default:
		e.reportError(code, side, what+": "+err.Error())
	}
}
