package failover

import "github.com/finesse-ha/finesse-ha/internal/finesse"

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

// noteGap marks the start of a gap; the first trigger of a gap wins.
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

// closeGap runs after the re-sync that closes a gap: the state before the
// gap becomes AgentView.Previous and, with restore, is marked to be put
// back when the agent is no longer in it. It reports whether a gap was
// open and the state marked for restore, if any.
func (a *agentModel) closeGap(restore bool) (wasGap bool, pending finesse.AgentState) {
	if !a.inGap {
		return false, ""
	}
	a.inGap = false
	from, reasonID := a.gapFrom, a.gapReasonID
	a.gapFrom, a.gapReasonID = "", ""
	if from == "" {
		return true, ""
	}
	a.beforeFailover = from
	if restore && restorable(from) && a.user != nil &&
		(a.user.State != from || (from == finesse.StateNotReady && reasonID != "" && a.user.ReasonCodeID != reasonID)) {
		a.restoreTo, a.restoreReasonID = from, reasonID
		return true, from
	}
	return true, ""
}

// restoreLater marks old's state to be put back, when it is one an agent
// sets by hand (after a forced logout, RestoreAgentState only).
func (a *agentModel) restoreLater(old *finesse.User) {
	if old != nil && restorable(old.State) {
		a.restoreTo, a.restoreReasonID = old.State, old.ReasonCodeID
	}
}

// takeRestore returns the pending restore once the agent is in a state
// that can be changed by hand (not while signed out or on a call), and
// forgets it; ok is false when there is nothing to send, including when
// the agent is already in the state.
func (a *agentModel) takeRestore() (target finesse.AgentState, reasonID string, ok bool) {
	if a.restoreTo == "" || a.user == nil || !restorable(a.user.State) {
		return "", "", false
	}
	target, reasonID = a.restoreTo, a.restoreReasonID
	a.restoreTo, a.restoreReasonID = "", ""
	if a.user.State == target && (target != finesse.StateNotReady || reasonID == "" || a.user.ReasonCodeID == reasonID) {
		return "", "", false
	}
	return target, reasonID, true
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
