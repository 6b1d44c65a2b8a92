package failover

import (
	"strings"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// applyUpdate handles one live notification from side i: it is always
// forwarded raw, then applied to the model by the kind of its data.
func (e *Engine) applyUpdate(i int, u *finesse.Update) {
	e.emit(NotificationEvent{
		Node:      u.Node,
		Event:     string(u.Event),
		Source:    u.Source,
		RequestID: u.RequestID,
		XML:       u.Raw,
		Side:      e.sides[i].name,
	})
	root := strings.ToLower(u.DataRoot())
	if u.RequestID != "" && e.confirmRequest(u, root) {
		return
	}
	switch root {
	case "systeminfo":
		si, err := u.SystemInfo()
		if err != nil {
			e.decodeFailed(i, u, err)
			return
		}
		e.onSystemInfo(i, si)
	case "user":
		usr, err := u.User()
		if err != nil {
			e.decodeFailed(i, u, err)
			return
		}
		if e.isOwnUser(u, usr) {
			e.applyUser(usr, false, i)
		}
	case "dialogs", "dialog":
		ds, err := u.Dialogs()
		if err != nil {
			e.decodeFailed(i, u, err)
			return
		}
		for k := range ds.Dialogs {
			d := &ds.Dialogs[k]
			if u.Event == finesse.EventDelete {
				e.removeDialog(d, false, i)
			} else {
				e.upsertDialog(d, false, i)
			}
		}
	case "apierrors":
		ev := ErrorEvent{Code: ErrCodeAPI, Message: e.secrets.scrub(asyncErrorText(u)), Side: e.sides[i].name, RequestID: u.RequestID}
		e.emit(ev)
	}
}

// isOwnUser tells the agent's own User object from the summaries of other
// agents that a supervisor's Team subscription delivers.
func (e *Engine) isOwnUser(u *finesse.Update, usr *finesse.User) bool {
	if usr.LoginID != "" {
		return usr.LoginID == e.cfg.AgentID
	}
	own := "/finesse/api/User/" + e.cfg.AgentID
	return u.Node == own || u.Source == own
}

func (e *Engine) decodeFailed(i int, u *finesse.Update, err error) {
	// The error names the element, never the payload (it may hold call data).
	e.reportError(ErrCodeDecode, i, "notification on "+u.Node+": "+err.Error())
}
