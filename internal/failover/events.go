package failover

import (
	"time"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// Event is one of ConnectionEvent, AgentEvent, DialogEvent,
// NotificationEvent or ErrorEvent. Kind names the page-side event channel
// (SPEC §4): "connection", "agent", "dialog", "notification", "error".
// These are the engine's types, without JSON names: what the page sees is
// internal/client's wire types (wire_events.go), translated from these.
type Event interface {
	Kind() string
}

// ConnState is the connection state reported to the page.
//
// Mapping to finesse.js's ClientServices vocabulary, for hosts that know it:
// connecting -> connecting; connected -> connected (after a failover also
// finesse.js's "recovered"); reconnecting -> reconnecting; failing-over ->
// failing; disconnected -> disconnected; unauthorized -> unauthorized;
// closed -> disconnected (after disconnecting). finesse.js's "conflict"
// (resource taken over) is reported as reconnecting with reason conflict:
// another session bound the same full JID, and the next bind waits at
// least PollInterval plus jitter (SPEC §3.3.10).
type ConnState string

const (
	// StateConnecting: first connection attempt since Start.
	StateConnecting ConnState = "connecting"
	// StateConnected: notification session up, state re-synced.
	StateConnected ConnState = "connected"
	// StateReconnecting: recovering on the same side.
	StateReconnecting ConnState = "reconnecting"
	// StateFailingOver: switching to the other side.
	StateFailingOver ConnState = "failing-over"
	// StateDisconnected: no side usable; still trying on the poll schedule.
	StateDisconnected ConnState = "disconnected"
	// StateUnauthorized: no side can be asked with the current credentials:
	// the sides in Refused answered them with 401 (the others are
	// unreachable or out of service, and are still watched), or the token
	// expired (reason token-expired). It waits: a side that comes back and
	// has not refused is tried as usual, and new credentials (SetAuth, or a
	// fresh token from GetToken) resume recovery at once.
	StateUnauthorized ConnState = "unauthorized"
	// StateClosed: Close was called.
	StateClosed ConnState = "closed"
)

// Reasons carried by ConnectionEvent.Reason and History entries.
const (
	ReasonStart               = "start"
	ReasonNotificationLost    = "notification-lost"
	ReasonOutOfService        = "out-of-service"
	ReasonPresenceUnavailable = "presence-unavailable"
	ReasonKeepaliveTimeout    = "keepalive-timeout"
	ReasonMaintenance         = "maintenance"
	ReasonNoSideUsable        = "no-side-usable"
	ReasonRecovered           = "recovered"
	ReasonSwitched            = "switched"
	ReasonUnauthorized        = "unauthorized"
	ReasonTokenExpired        = "token-expired"
	ReasonConflict            = "conflict"
	ReasonClosed              = "closed"
)

// ConnectionEvent reports a change of connection state.
type ConnectionEvent struct {
	State ConnState
	// Side is "A" or "B": the side connected to, being tried, or (when
	// disconnected) the side last used.
	Side string
	Host string
	// Reason is one of the Reason constants: the trigger of a recovery, or
	// how a connection came about.
	Reason string
	// Since is when this state began.
	Since time.Time
	// Attempt counts connection attempts since the engine was last
	// connected: 0 when a recovery begins, 1 on the first try, and on a
	// connected event the number of attempts it took.
	Attempt int
	// Transport is, on a connected event, the notification transport the
	// session runs over ("websocket" or "bosh"): with the WebSocket
	// transport's fallback a side may be on BOSH, and the page should know.
	Transport string
	// Refused lists, on an unauthorized event, the sides that refused the
	// current credentials ("A", "B").
	Refused []string
}

// Kind implements Event.
func (ConnectionEvent) Kind() string { return "connection" }

// AgentEvent reports a change of the agent's state.
type AgentEvent struct {
	State       finesse.AgentState
	ReasonCode  string
	ReasonLabel string
	// Previous is the last state known before this one; after a failover it
	// is the state before the failover, so the host can offer to restore it.
	Previous finesse.AgentState
	// Synthetic marks a transition found by re-sync after a gap rather than
	// announced by a notification.
	Synthetic bool
	// ForcedLogout marks a LOGOUT with reason code 255: Finesse signed the
	// agent out because a desktop presence went unavailable (typically the
	// old side, 60-180 s after a switch).
	ForcedLogout bool
	Side         string
}

// Kind implements Event.
func (AgentEvent) Kind() string { return "agent" }

// DialogAction says what happened to a call.
type DialogAction string

const (
	DialogAdded   DialogAction = "added"
	DialogUpdated DialogAction = "updated"
	DialogRemoved DialogAction = "removed"
)

// DialogEvent reports a call appearing, changing or ending. A call produces
// exactly one "added" over its life, whatever failovers happen meanwhile.
type DialogEvent struct {
	Action    DialogAction
	Dialog    DialogView
	Synthetic bool
	Side      string
}

// Kind implements Event.
func (DialogEvent) Kind() string { return "dialog" }

// NotificationEvent is one raw Finesse <Update>, as received.
type NotificationEvent struct {
	Node      string
	Event     string
	Source    string
	RequestID string
	XML       string
	Side      string
}

// Kind implements Event.
func (NotificationEvent) Kind() string { return "notification" }

// Error codes of ErrorEvent.
const (
	ErrCodeUnauthorized = "unauthorized"
	// ErrCodeTokenRefresh: Config.GetToken failed, returned no usable
	// token, or did not answer in time; it is asked again after PollInterval.
	ErrCodeTokenRefresh = "token-refresh-failed"
	// ErrCodeTokenExpired: the token expired and nothing can bring a fresh
	// one (no GetToken): the engine waits for SetAuth.
	ErrCodeTokenExpired = "token-expired"
	ErrCodeResync       = "resync-failed"
	ErrCodeSubscribe    = "subscribe-failed"
	ErrCodeSignIn       = "signin-failed"
	ErrCodeRestoreState = "restore-state-failed"
	ErrCodeDecode       = "decode-failed"
	ErrCodeAPI          = "api-error"
	ErrCodeInternal     = "internal"
)

// ErrorEvent reports a problem the engine handled but the host may want to
// show or log. Message never contains credentials.
type ErrorEvent struct {
	Code      string
	Message   string
	Side      string
	RequestID string
	// Fatal is true when the engine stopped because of it (an internal
	// error it cannot recover from). A refusal of credentials is not fatal:
	// the engine waits for new ones.
	Fatal bool
}

// Kind implements Event.
func (ErrorEvent) Kind() string { return "error" }

// DialogView is a call as shown to the page: the server's latest copy with
// call data that a failover lost filled in from the engine's cache.
type DialogView struct {
	ID      string
	CallKey string
	State   string
	URI     string
	// AssociatedDialogURI links a consult call to its original call.
	AssociatedDialogURI string
	MediaType           string
	FromAddress         string
	ToAddress           string
	CallType            string
	DNIS                string
	DialedNumber        string
	QueueName           string
	QueueNumber         string
	WrapUpReason        string
	CallVariables       []CallVariable
	Participants        []ParticipantRef
	// Restored is true when any field below came from the cache because
	// the server's copy lost it in a failover; RestoredFields names them
	// (fromAddress, toAddress, callType, dnis, dialedNumber, or a call
	// variable's name).
	Restored       bool
	RestoredFields []string
}

// CallVariable is one call variable or ECC variable (user.<name>).
type CallVariable struct {
	Name     string
	Value    string
	Restored bool
}

// ParticipantRef is one party of a call.
type ParticipantRef struct {
	MediaAddress     string
	MediaAddressType string
	State            string
	StartTime        string
	Actions          []string
}

// AgentView is the agent's last known state.
type AgentView struct {
	LoginID      string
	Extension    string
	State        finesse.AgentState
	PendingState finesse.AgentState
	ReasonCode   string
	ReasonLabel  string
	// Previous is the state before the last failover (empty if none).
	Previous        finesse.AgentState
	StateChangeTime string
}

// SideHealth is what the engine knows about one side.
type SideHealth struct {
	Side string
	Host string
	// Status is SystemInfo's status as last seen; "" before the first
	// check, "UNREACHABLE" when the last check failed.
	Status         string
	DeploymentType string
	// Maintenance is true while finesseMMode is IN_PROGRESS.
	Maintenance bool
	// Notification is "up" when the engine holds a session to this side.
	Notification string
	// FinessePresence is "available", "unavailable" or "unknown".
	FinessePresence string
	Active          bool
	CheckedAt       time.Time
	LastError       string
	// ReportedHost is the node name SystemInfo gives for this side
	// (xmppDomain); informational only.
	ReportedHost string
}

// Snapshot is the engine's whole view at one moment.
type Snapshot struct {
	Connection ConnectionEvent
	Agent      *AgentView
	Dialogs    []DialogView
	Sides      []SideHealth
}

// HistoryEntry is one line of the failover timeline.
type HistoryEntry struct {
	At     time.Time
	What   string
	Side   string
	Detail string
}
