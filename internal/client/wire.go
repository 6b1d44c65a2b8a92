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

type wireDialog struct {
	failover.DialogView
	CallVariables map[string]string `json:"callVariables"`
}

func toWireDialog(d failover.DialogView) wireDialog {
	vars := make(map[string]string, len(d.CallVariables))
	for _, v := range d.CallVariables {
		vars[v.Name] = v.Value
	}
	return wireDialog{DialogView: d, CallVariables: vars}
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
	case *failover.DialogEvent:
		return json.Marshal(wireDialogEvent{DialogEvent: *e, Dialog: toWireDialog(e.Dialog)})
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
