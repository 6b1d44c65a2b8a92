package sim

import (
	"encoding/xml"
	"strings"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// callKeyPrefix is the CCE call key prefix (a day number on real systems).
const callKeyPrefix = "152018"

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// userDoc renders an agent as Finesse's User object.
func userDoc(a *agent) *finesse.User {
	u := &finesse.User{
		URI:             userNode(a.id),
		Roles:           []string{"Agent"},
		LoginID:         a.id,
		LoginName:       "agent" + a.id,
		State:           a.state,
		StateChangeTime: timestamp(a.changed),
		PendingState:    a.pending,
		ReasonCodeID:    a.reason,
		Extension:       a.ext,
		FirstName:       "Agent",
		LastName:        a.id,
		TeamID:          "1",
		TeamName:        "Default",
		Dialogs:         dialogsNode(a.id),
	}
	if a.reason != "" {
		category := "NOT_READY"
		if a.state == finesse.StateLogout {
			category = "LOGOUT"
		}
		label := reasonLabels[a.reason]
		if label == "" {
			label = "Reason " + a.reason
		}
		sys := "false"
		if a.reason == finesse.ForcedLogoutReasonCode {
			sys = "true"
		}
		u.ReasonCode = &finesse.ReasonCode{
			Category: category, URI: "/finesse/api/ReasonCode/" + a.reason, Code: a.reason,
			Label: label, ForAll: "true", SystemCode: sys, ID: a.reason,
		}
	}
	return u
}

// dialogDoc renders a call as Finesse's Dialog object.
func dialogDoc(cl *call) *finesse.Dialog {
	agentState, actions := "", []string(nil)
	switch {
	case cl.state == finesse.DialogAlerting:
		agentState, actions = "ALERTING", []string{finesse.ActionAnswer}
	case cl.state == finesse.DialogInitiated:
		agentState, actions = "INITIATED", []string{finesse.ActionDrop}
	case cl.state == finesse.DialogDropped:
		agentState = "DROPPED"
	case cl.held:
		agentState, actions = "HELD", []string{finesse.ActionRetrieve, finesse.ActionDrop}
	default:
		agentState, actions = "ACTIVE", []string{finesse.ActionHold, finesse.ActionDrop}
	}
	other := "ACTIVE"
	switch cl.state {
	case finesse.DialogInitiated:
		other = "INITIATED"
	case finesse.DialogDropped:
		other = "DROPPED"
	}
	otherAddr := cl.from
	if !cl.inbound {
		otherAddr = cl.to
	}
	return &finesse.Dialog{
		ID:          cl.id,
		MediaType:   "Voice",
		FromAddress: cl.from,
		ToAddress:   cl.to,
		MediaProperties: &finesse.MediaProperties{
			DialedNumber:       cl.dnis,
			CallType:           cl.callType,
			DNIS:               cl.dnis,
			QueueNumber:        queueNumber(cl),
			QueueName:          queueName(cl),
			CallKeyCallID:      cl.keyCallID,
			CallKeySequenceNum: "1",
			CallKeyPrefix:      callKeyPrefix,
			CallVariables:      append([]finesse.CallVariable(nil), cl.vars...),
		},
		Participants: []finesse.Participant{
			{
				Actions: actions, MediaAddress: cl.agent.ext, MediaAddressType: "AGENT_DEVICE",
				StartTime: timestamp(cl.started), State: agentState, StateChangeTime: timestamp(cl.changed),
			},
			{
				MediaAddress: otherAddr, StartTime: timestamp(cl.started), State: other,
				StateChangeTime: timestamp(cl.changed),
			},
		},
		State: cl.state,
		URI:   "/finesse/api/Dialog/" + cl.id,
	}
}

func queueNumber(cl *call) string {
	if cl.inbound {
		return "5001"
	}
	return ""
}

func queueName(cl *call) string {
	if cl.inbound {
		return "Sales"
	}
	return ""
}

// withNullCallVariables returns a copy of d whose call variables keep their
// names but lost their values: what the seeds' connector saw after a switch.
func withNullCallVariables(d *finesse.Dialog) *finesse.Dialog {
	if d.MediaProperties == nil || len(d.MediaProperties.CallVariables) == 0 {
		return d
	}
	cp := *d
	mp := *d.MediaProperties
	mp.CallVariables = make([]finesse.CallVariable, len(d.MediaProperties.CallVariables))
	for i, v := range d.MediaProperties.CallVariables {
		mp.CallVariables[i] = finesse.CallVariable{Name: v.Name}
	}
	cp.MediaProperties = &mp
	return &cp
}

// update is one notification before it is rendered for a side (sides may
// render dialogs differently: the null-callvars fault).
type update struct {
	node      string
	event     finesse.EventType
	requestID string
	source    string
	user      *finesse.User
	dialog    *finesse.Dialog
	list      bool // dialog travels inside <dialogs>
	info      *finesse.SystemInfo
}

// render returns the <Update> document (unescaped; the XMPP layer escapes
// it into the <notification> element).
func (u *update) render(nullCallVariables bool) string {
	var b strings.Builder
	b.WriteString("<Update><data>")
	switch {
	case u.user != nil:
		encodeAs(&b, "user", u.user)
	case u.dialog != nil:
		d := u.dialog
		if nullCallVariables {
			d = withNullCallVariables(d)
		}
		if u.list {
			b.WriteString("<dialogs>")
		}
		encodeAs(&b, "Dialog", d)
		if u.list {
			b.WriteString("</dialogs>")
		}
	case u.info != nil:
		encodeAs(&b, "SystemInfo", u.info)
	}
	b.WriteString("</data><event>" + string(u.event) + "</event>")
	if u.requestID != "" {
		b.WriteString("<requestId>")
		_ = xml.EscapeText(&b, []byte(u.requestID)) // a strings.Builder never fails
		b.WriteString("</requestId>")
	}
	b.WriteString("<source>")
	_ = xml.EscapeText(&b, []byte(u.source))
	b.WriteString("</source></Update>")
	return b.String()
}

// encodeAs writes v as an element named name. The model types are plain
// structs of strings, which encoding/xml always encodes.
func encodeAs(b *strings.Builder, name string, v any) {
	_ = xml.NewEncoder(b).EncodeElement(v, xml.StartElement{Name: xml.Name{Local: name}})
}
