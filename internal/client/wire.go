package client

import (
	"encoding/json"

	"github.com/finesse-ha/finesse-ha/internal/failover"
)

// The page's JSON (web/index.d.ts) has callVariables as a {name: value}
// object, which is what a screen pop wants; the engine keeps them as an
// ordered list with per-variable restore flags (the flags are also in
// restoredFields). These wrappers shadow the list with the map: an outer
// field wins over an embedded one of the same JSON name.

//
// The same trick gives the fields web/index.d.ts declares as always present
// ('' or [] when empty) a value where the engine's JSON omits them, so a
// page can read dialog.ani.length without a guard.

type wireDialog struct {
	failover.DialogView
	CallVariables  map[string]string `json:"callVariables"`
	CallType       string            `json:"callType"`
	FromAddress    string            `json:"fromAddress"`
	ToAddress      string            `json:"toAddress"`
	DNIS           string            `json:"dnis"`
	ANI            string            `json:"ani"`
	RestoredFields []string          `json:"restoredFields"`
	Participants   []wireParticipant `json:"participants"`
}

type wireParticipant struct {
	failover.ParticipantRef
	State   string   `json:"state"`
	Actions []string `json:"actions"`
}

func toWireDialog(d failover.DialogView) wireDialog {
	vars := make(map[string]string, len(d.CallVariables))
	for _, v := range d.CallVariables {
		vars[v.Name] = v.Value
	}
	parts := make([]wireParticipant, 0, len(d.Participants))
	for _, p := range d.Participants {
		parts = append(parts, wireParticipant{ParticipantRef: p, State: p.State, Actions: orEmpty(p.Actions)})
	}
	return wireDialog{
		DialogView: d, CallVariables: vars,
		CallType: d.CallType, FromAddress: d.FromAddress, ToAddress: d.ToAddress, DNIS: d.DNIS,
		// Finesse has no ANI field: for the calls a screen pop is about
		// (inbound), the caller's number is the dialog's fromAddress.
		ANI:            d.FromAddress,
		RestoredFields: orEmpty(d.RestoredFields),
		Participants:   parts,
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type wireAgentEvent struct {
	failover.AgentEvent
	ReasonCode string `json:"reasonCode"`
	Previous   string `json:"previous"`
}

type wireNotificationEvent struct {
	failover.NotificationEvent
	RequestID string `json:"requestId"`
}

type wireDialogEvent struct {
	failover.DialogEvent
	Dialog wireDialog `json:"dialog"`
}

type wireSnapshot struct {
	failover.Snapshot
	Dialogs []wireDialog `json:"dialogs"`
}

// MarshalEvent is the JSON of ev that the page receives for ev.Kind().
func MarshalEvent(ev failover.Event) ([]byte, error) {
	switch e := ev.(type) {
	case failover.DialogEvent:
		return json.Marshal(wireDialogEvent{DialogEvent: e, Dialog: toWireDialog(e.Dialog)})
	case failover.AgentEvent:
		return json.Marshal(wireAgentEvent{AgentEvent: e, ReasonCode: e.ReasonCode, Previous: string(e.Previous)})
	case failover.NotificationEvent:
		return json.Marshal(wireNotificationEvent{NotificationEvent: e, RequestID: e.RequestID})
	}
	return json.Marshal(ev)
}

// MarshalSnapshot is the JSON of Handle.snapshot().
func MarshalSnapshot(s failover.Snapshot) ([]byte, error) {
	ds := make([]wireDialog, 0, len(s.Dialogs))
	for _, d := range s.Dialogs {
		ds = append(ds, toWireDialog(d))
	}
	return json.Marshal(wireSnapshot{Snapshot: s, Dialogs: ds})
}

// MarshalHistory is the JSON of Handle.history(); never null.
func MarshalHistory(h []failover.HistoryEntry) ([]byte, error) {
	if h == nil {
		h = []failover.HistoryEntry{}
	}
	return json.Marshal(h)
}
