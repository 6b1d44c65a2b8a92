package finesse

import "strings"

// DialogState is a Dialog's state.
type DialogState string

const (
	DialogAlerting   DialogState = "ALERTING"
	DialogInitiating DialogState = "INITIATING"
	DialogInitiated  DialogState = "INITIATED"
	DialogActive     DialogState = "ACTIVE"
	DialogHeld       DialogState = "HELD"
	DialogWrapUp     DialogState = "WRAP_UP"
	DialogDropped    DialogState = "DROPPED"
	DialogFailed     DialogState = "FAILED"
	DialogAccepted   DialogState = "ACCEPTED"
)

// Ended reports a state after which the call is gone.
func (s DialogState) Ended() bool { return s == DialogDropped || s == DialogFailed }

// CallType is mediaProperties/callType.
type CallType string

const (
	CallACDIn               CallType = "ACD_IN"
	CallPrerouteACDIn       CallType = "PREROUTE_ACD_IN"
	CallPrerouteDirectAgent CallType = "PREROUTE_DIRECT_AGENT"
	CallTransfer            CallType = "TRANSFER"
	CallOtherIn             CallType = "OTHER_IN"
	CallOut                 CallType = "OUT"
	CallOverflowIn          CallType = "OVERFLOW_IN"
	CallAutoOut             CallType = "AUTO_OUT"
	CallAgentOut            CallType = "AGENT_OUT"
	CallAgentInside         CallType = "AGENT_INSIDE"
	CallConsult             CallType = "CONSULT"
	CallConference          CallType = "CONFERENCE"
	CallSupervisor          CallType = "SUPERVISOR"
)

// Dialog actions for PUT /finesse/api/Dialog/{id} and POST .../Dialogs.
const (
	ActionMakeCall = "MAKE_CALL"
	ActionAnswer   = "ANSWER"
	ActionHold     = "HOLD"
	ActionRetrieve = "RETRIEVE"
	ActionDrop     = "DROP"
)

// CallVariable is one entry of callvariables: callVariable1..10 and ECC
// variables (user.<name>) share the list.
type CallVariable struct {
	Name  string `xml:"name"`
	Value string `xml:"value"`
}

// MediaProperties carries the call data a screen pop needs.
type MediaProperties struct {
	DialedNumber       string         `xml:"dialedNumber,omitempty"`
	CallType           CallType       `xml:"callType,omitempty"`
	DNIS               string         `xml:"DNIS,omitempty"`
	QueueNumber        string         `xml:"queueNumber,omitempty"`
	QueueName          string         `xml:"queueName,omitempty"`
	CallKeyCallID      string         `xml:"callKeyCallId,omitempty"`
	CallKeySequenceNum string         `xml:"callKeySequenceNum,omitempty"`
	CallKeyPrefix      string         `xml:"callKeyPrefix,omitempty"`
	WrapUpReason       string         `xml:"wrapUpReason,omitempty"`
	WrapUpItems        []string       `xml:"wrapUpItems>wrapUpItem"`
	CallVariables      []CallVariable `xml:"callvariables>CallVariable,omitempty"`
}

// Participant is one party of a Dialog.
type Participant struct {
	Actions          []string `xml:"actions>action"`
	MediaAddress     string   `xml:"mediaAddress,omitempty"`
	MediaAddressType string   `xml:"mediaAddressType,omitempty"`
	StartTime        string   `xml:"startTime,omitempty"`
	State            string   `xml:"state,omitempty"`
	StateCause       string   `xml:"stateCause,omitempty"`
	StateChangeTime  string   `xml:"stateChangeTime,omitempty"`
}

// Dialog is one call (GET /finesse/api/Dialog/{id}).
type Dialog struct {
	AssociatedDialogURI string           `xml:"associatedDialogUri,omitempty"`
	ID                  string           `xml:"id,omitempty"`
	SecondaryID         string           `xml:"secondaryId,omitempty"`
	MediaType           string           `xml:"mediaType,omitempty"`
	FromAddress         string           `xml:"fromAddress,omitempty"`
	ToAddress           string           `xml:"toAddress,omitempty"`
	MediaProperties     *MediaProperties `xml:"mediaProperties,omitempty"`
	Participants        []Participant    `xml:"participants>Participant,omitempty"`
	State               DialogState      `xml:"state,omitempty"`
	URI                 string           `xml:"uri,omitempty"`
}

// CallKey identifies a call across a failover: the CCE call key
// (prefix, call id, sequence number) when present, else the dialog id, whose
// value the server may change (conference) or reassign on the other side.
func (d *Dialog) CallKey() string {
	if d == nil {
		return ""
	}
	if mp := d.MediaProperties; mp != nil && mp.CallKeyCallID != "" {
		return "ck:" + mp.CallKeyPrefix + ":" + mp.CallKeyCallID + ":" + mp.CallKeySequenceNum
	}
	return "id:" + d.ID
}

// CallVariable returns the value of the named call variable and whether it
// was present.
func (d *Dialog) CallVariable(name string) (string, bool) {
	if d == nil || d.MediaProperties == nil {
		return "", false
	}
	for _, v := range d.MediaProperties.CallVariables {
		if v.Name == name {
			return v.Value, true
		}
	}
	return "", false
}

// Dialogs is GET /finesse/api/User/{id}/Dialogs.
type Dialogs struct {
	Dialogs []Dialog `xml:"Dialog"`
}

// DecodeDialog parses a Dialog document.
func DecodeDialog(data []byte) (*Dialog, error) {
	var d Dialog
	if err := decodeRoot(data, "Dialog", &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// DecodeDialogs parses a Dialogs document. An empty <Dialogs/> is valid: the
// agent has no calls.
func DecodeDialogs(data []byte) (*Dialogs, error) {
	var ds Dialogs
	if err := decodeRoot(data, "Dialogs", &ds); err != nil {
		return nil, err
	}
	return &ds, nil
}

// DialogIDFromURI returns the id at the end of a /finesse/api/Dialog/{id} URI.
func DialogIDFromURI(uri string) string {
	const p = "/finesse/api/Dialog/"
	if i := strings.LastIndex(uri, p); i >= 0 {
		return uri[i+len(p):]
	}
	return ""
}
