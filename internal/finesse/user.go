package finesse

// AgentState is a User's state. LOGIN is only ever sent, never reported.
type AgentState string

const (
	StateLogin                   AgentState = "LOGIN"
	StateLogout                  AgentState = "LOGOUT"
	StateNotReady                AgentState = "NOT_READY"
	StateReady                   AgentState = "READY"
	StateReserved                AgentState = "RESERVED"
	StateReservedOutbound        AgentState = "RESERVED_OUTBOUND"
	StateReservedOutboundPreview AgentState = "RESERVED_OUTBOUND_PREVIEW"
	StateTalking                 AgentState = "TALKING"
	StateHold                    AgentState = "HOLD"
	StateWork                    AgentState = "WORK"
	StateWorkReady               AgentState = "WORK_READY"
	StateUnknown                 AgentState = "UNKNOWN"
)

// ForcedLogoutReasonCode is the reason code Finesse uses when it signs an
// agent out because the desktop's presence went unavailable.
const ForcedLogoutReasonCode = "255"

// ReasonCode is the reason attached to NOT_READY and LOGOUT.
type ReasonCode struct {
	Category   string `xml:"category,omitempty"`
	URI        string `xml:"uri,omitempty"`
	Code       string `xml:"code,omitempty"`
	Label      string `xml:"label,omitempty"`
	ForAll     string `xml:"forAll,omitempty"`
	SystemCode string `xml:"systemCode,omitempty"`
	ID         string `xml:"id,omitempty"`
}

// Team is one entry of a supervisor's teams list.
type Team struct {
	URI  string `xml:"uri,omitempty"`
	ID   string `xml:"id,omitempty"`
	Name string `xml:"name,omitempty"`
}

// User is GET /finesse/api/User/{id}, also the data of User notifications.
type User struct {
	URI             string      `xml:"uri,omitempty"`
	Roles           []string    `xml:"roles>role"`
	LoginID         string      `xml:"loginId,omitempty"`
	LoginName       string      `xml:"loginName,omitempty"`
	State           AgentState  `xml:"state,omitempty"`
	StateChangeTime string      `xml:"stateChangeTime,omitempty"`
	PendingState    AgentState  `xml:"pendingState,omitempty"`
	ReasonCodeID    string      `xml:"reasonCodeId,omitempty"`
	ReasonCode      *ReasonCode `xml:"ReasonCode,omitempty"`
	Extension       string      `xml:"extension,omitempty"`
	FirstName       string      `xml:"firstName,omitempty"`
	LastName        string      `xml:"lastName,omitempty"`
	TeamID          string      `xml:"teamId,omitempty"`
	TeamName        string      `xml:"teamName,omitempty"`
	SkillTargetID   string      `xml:"skillTargetId,omitempty"`
	Dialogs         string      `xml:"dialogs,omitempty"`
	Teams           []Team      `xml:"teams>Team,omitempty"`
}

// ReasonCodeValue is the reason code of the user's state: the code of the
// embedded ReasonCode when present (that is what 255 means), else the id.
func (u *User) ReasonCodeValue() string {
	if u == nil {
		return ""
	}
	if u.ReasonCode != nil && u.ReasonCode.Code != "" {
		return u.ReasonCode.Code
	}
	return u.ReasonCodeID
}

// IsForcedLogout reports a sign-out Finesse made on its own because the
// desktop's presence went away (reason code 255), typically on the side a
// client left during a failover.
func (u *User) IsForcedLogout() bool {
	return u != nil && u.State == StateLogout && u.ReasonCodeValue() == ForcedLogoutReasonCode
}

// DecodeUser parses a User document.
func DecodeUser(data []byte) (*User, error) {
	var u User
	if err := decodeRoot(data, "User", &u); err != nil {
		return nil, err
	}
	return &u, nil
}
