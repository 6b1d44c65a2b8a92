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
	case "user", "dialogs", "dialog":
		ch, err := e.model.applyUpdate(u, e.cfg.AgentID, e.sides[i].name)
		if err != nil {
			e.decodeFailed(i, u, err)
			return
		}
		e.applyChange(ch, i)
	case "apierrors":
		ev := ErrorEvent{Code: ErrCodeAPI, Message: e.secrets.scrub(asyncErrorText(u)), Side: e.sides[i].name, RequestID: u.RequestID}
		e.emit(ev)
	}
}

func (e *Engine) decodeFailed(i int, u *finesse.Update, err error) {
	// The error names the element, never the payload (it may hold call data).
	e.reportError(ErrCodeDecode, i, "notification on "+u.Node+": "+err.Error())
}
