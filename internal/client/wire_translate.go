package client

import (
	"time"

	"github.com/finesse-ha/finesse-ha/internal/failover"
)

// The translation from the engine's types to the wire types of
// wire_events.go: the only place that knows both.

// toEvent is the wire form of an engine event; nil for an event kind the
// wire does not know (a new engine event must be added here and to
// wire_events.go before a page can see it).
func toEvent(ev failover.Event) Event {
	switch e := ev.(type) {
	case failover.ConnectionEvent:
		return toConnection(e)
	case failover.AgentEvent:
		return AgentEvent{
			State: AgentState(e.State), ReasonCode: reasonCode(e.ReasonCode), ReasonLabel: e.ReasonLabel,
			Previous: AgentState(e.Previous), Synthetic: e.Synthetic, ForcedLogout: e.ForcedLogout, Side: SideName(e.Side),
		}
	case failover.DialogEvent:
		return DialogEvent{Action: DialogAction(e.Action), Dialog: toDialog(e.Dialog), Synthetic: e.Synthetic, Side: SideName(e.Side)}
	case failover.NotificationEvent:
		return NotificationEvent{Node: e.Node, Event: e.Event, Source: e.Source, RequestID: e.RequestID, XML: e.XML, Side: SideName(e.Side)}
	case failover.ErrorEvent:
		return ErrorEvent{Code: ErrorCode(e.Code), Message: e.Message, Side: SideName(e.Side), RequestID: e.RequestID, Fatal: e.Fatal}
	}
	return nil
}

func toConnection(e failover.ConnectionEvent) ConnectionEvent {
	return ConnectionEvent{
		State: ConnState(e.State), Side: SideName(e.Side), Host: e.Host, Reason: Reason(e.Reason),
		Since: isoTime(e.Since), Attempt: e.Attempt, Transport: Transport(e.Transport),
		Refused: sideNames(e.Refused),
	}
}

// sideNames is the engine's list of sides ("A", "B") as the page names them.
func sideNames(sides []string) []SideName {
	if len(sides) == 0 {
		return nil
	}
	out := make([]SideName, len(sides))
	for i, s := range sides {
		out[i] = SideName(s)
	}
	return out
}

// reasonCode is Finesse's reason code as the page sees it: Finesse says
// "-1" for "no reason" (reasonCodeId of a READY agent); the page gets the empty string.
func reasonCode(code string) string {
	if code == "-1" {
		return ""
	}
	return code
}

// isoTime is t in ISO 8601 (as encoding/json writes a time.Time), or the empty
// string for the zero time ("never").
func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func toDialog(d failover.DialogView) Dialog {
	vars := make(map[string]string, len(d.CallVariables))
	for _, v := range d.CallVariables {
		vars[v.Name] = v.Value
	}
	parts := make([]Participant, 0, len(d.Participants))
	for _, p := range d.Participants {
		parts = append(parts, Participant{
			MediaAddress: p.MediaAddress, MediaAddressType: p.MediaAddressType, State: p.State,
			StartTime: p.StartTime, Actions: orEmpty(p.Actions),
		})
	}
	return Dialog{
		ID: d.ID, CallKey: d.CallKey, State: d.State, URI: d.URI, AssociatedDialogURI: d.AssociatedDialogURI,
		MediaType: d.MediaType, CallType: d.CallType, FromAddress: d.FromAddress, ToAddress: d.ToAddress,
		// Finesse has no ANI field: for the calls a screen pop is about
		// (inbound), the caller's number is the dialog's fromAddress.
		ANI: d.FromAddress, DNIS: d.DNIS, DialedNumber: d.DialedNumber,
		QueueName: d.QueueName, QueueNumber: d.QueueNumber, WrapUpReason: d.WrapUpReason,
		CallVariables: vars, Restored: d.Restored, RestoredFields: orEmpty(d.RestoredFields),
		Participants: parts,
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func toSnapshot(s failover.Snapshot) Snapshot {
	out := Snapshot{Connection: toConnection(s.Connection), Dialogs: make([]Dialog, 0, len(s.Dialogs)), Sides: make([]SideStatus, 0, len(s.Sides))}
	if a := s.Agent; a != nil {
		out.Agent = &AgentView{
			LoginID: a.LoginID, Extension: a.Extension, State: AgentState(a.State), PendingState: AgentState(a.PendingState),
			ReasonCode: reasonCode(a.ReasonCode), ReasonLabel: a.ReasonLabel, Previous: AgentState(a.Previous),
			StateChangeTime: a.StateChangeTime,
		}
	}
	for _, d := range s.Dialogs {
		out.Dialogs = append(out.Dialogs, toDialog(d))
	}
	for _, h := range s.Sides {
		out.Sides = append(out.Sides, SideStatus{
			Side: SideName(h.Side), Host: h.Host, Status: h.Status, DeploymentType: h.DeploymentType,
			Maintenance: h.Maintenance, Notification: NotificationStatus(h.Notification),
			FinessePresence: Presence(h.FinessePresence), Active: h.Active, CheckedAt: isoTime(h.CheckedAt),
			LastError: h.LastError, ReportedHost: h.ReportedHost,
		})
	}
	return out
}

func toHistory(h []failover.HistoryEntry) []HistoryEntry {
	out := make([]HistoryEntry, 0, len(h))
	for _, e := range h {
		out = append(out, HistoryEntry{At: isoTime(e.At), What: HistoryKind(e.What), Side: SideName(e.Side), Detail: e.Detail})
	}
	return out
}

// toResult is a page's request outcome: a response, or a RequestError that
// carries an answer (a non-2xx status) is a Result; anything else is an error.
func toResult(resp *failover.Response) *Result {
	return &Result{
		Status: resp.Status, Headers: orEmptyMap(resp.Header), Body: resp.Body,
		RequestID: resp.RequestID, Side: SideName(resp.Side), Confirmed: resp.Confirmed,
	}
}

// orEmptyMap keeps Result.Headers an object in JSON ({} rather than null).
func orEmptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
