package client

// The JSON a page receives: events, snapshot(), history() and request()
// results. These types are the contract: web/index.d.ts's generated section
// is produced from this file and wire_options.go (go generate; see
// internal/client/dtsgen), and testdata/wire/*.json, which the JS tests read,
// is marshalled from them. The engine's own types carry no JSON names; the
// translation from them is in wire_translate.go.
//
// Every field is always present ('' / [] / false when empty) unless its tag
// says omitempty, so a page can read dialog.ani.length without a guard.
// A type whose doc has a "dts:" line is declared in TypeScript as written
// there.

// Event is one of ConnectionEvent, AgentEvent, DialogEvent,
// NotificationEvent, ErrorEvent or LogEntry. Kind is the page-side event type.
type Event interface {
	Kind() EventType
}

// EventType names an event channel: the first argument of client.on().
type EventType string

const (
	// EventConnection: the connection state changed.
	EventConnection EventType = "connection"
	// EventAgent: the agent's state changed.
	EventAgent EventType = "agent"
	// EventDialog: a call appeared, changed or ended.
	EventDialog EventType = "dialog"
	// EventNotification: a raw Finesse Update arrived.
	EventNotification EventType = "notification"
	// EventError: a problem the client handled or that stopped it.
	EventError EventType = "error"
	// EventLog: a diagnostic line, at or above options.logLevel (off by default).
	EventLog EventType = "log"
)

// SideName is a side as the page names it.
type SideName string

const (
	// SideA: the first of options.sides.
	SideA SideName = "A"
	// SideB: the second of options.sides.
	SideB SideName = "B"
	// SideNone: no side (not yet connected, or the entry concerns both).
	SideNone SideName = ""
)

// ConnState is the connection state.
//
// Mapping to finesse.js's ClientServices vocabulary (the status of the
// desktop's finesse.info.connection hub topic): connecting -> connecting;
// connected -> connected, or recovered after a failover; reconnecting ->
// reconnecting; failing-over -> failing; disconnected -> disconnected;
// unauthorized -> unauthorized (and conflict, in the gadget follower);
// closed -> disconnecting / unloading.
type ConnState string

const (
	// StateConnecting: first connection attempt under way.
	StateConnecting ConnState = "connecting"
	// StateConnected: notifications flow and the state is re-synced.
	StateConnected ConnState = "connected"
	// StateReconnecting: connection lost; reconnecting to the same side.
	StateReconnecting ConnState = "reconnecting"
	// StateFailingOver: switching to the other side.
	StateFailingOver ConnState = "failing-over"
	// StateDisconnected: no side usable; still trying on the poll schedule.
	StateDisconnected ConnState = "disconnected"
	// StateUnauthorized: waiting for credentials: the sides in refused refused them, or the token expired; other sides are still watched, setAuth or a fresh token resumes, close() ends it.
	StateUnauthorized ConnState = "unauthorized"
	// StateClosed: stopped by close().
	StateClosed ConnState = "closed"
)

// Reason says why the connection state changed (ConnectionEvent.reason).
type Reason string

const (
	// ReasonStart: the first connection after createClient.
	ReasonStart Reason = "start"
	// ReasonNotificationLost: the notification session ended or failed.
	ReasonNotificationLost Reason = "notification-lost"
	// ReasonOutOfService: SystemInfo reported the side OUT_OF_SERVICE.
	ReasonOutOfService Reason = "out-of-service"
	// ReasonPresenceUnavailable: the side's finesse user went unavailable (Finesse is shutting down).
	ReasonPresenceUnavailable Reason = "presence-unavailable"
	// ReasonKeepaliveTimeout: a ping went unanswered (a black hole).
	ReasonKeepaliveTimeout Reason = "keepalive-timeout"
	// ReasonMaintenance: the side entered maintenance mode (finesseMMode).
	ReasonMaintenance Reason = "maintenance"
	// ReasonNoSideUsable: neither side could be connected; polling.
	ReasonNoSideUsable Reason = "no-side-usable"
	// ReasonRecovered: connected again to the same side.
	ReasonRecovered Reason = "recovered"
	// ReasonSwitched: connected to the other side.
	ReasonSwitched Reason = "switched"
	// ReasonUnauthorized: a side refused the credentials; the client waits for new ones (refused names the sides).
	ReasonUnauthorized Reason = "unauthorized"
	// ReasonTokenExpired: the SSO token expired and no fresh one could be had; the client waits for setAuth or getToken.
	ReasonTokenExpired Reason = "token-expired"
	// ReasonClosed: close() was called.
	ReasonClosed Reason = "closed"
	// ReasonDesktop: (gadget follower only) the Finesse desktop reported this state; detail in history.
	ReasonDesktop Reason = "desktop"
	// ReasonConflict: another session bound the same XMPP resource; the next bind waits the poll interval plus jitter (in the gadget follower: the desktop stopped).
	ReasonConflict Reason = "conflict"
)

// Transport is a notification transport.
type Transport string

const (
	// TransportWebSocket: XMPP over WebSocket (RFC 7395), Finesse 12.5 and later.
	TransportWebSocket Transport = "websocket"
	// TransportBOSH: XMPP over BOSH (XEP-0206), every Finesse release.
	TransportBOSH Transport = "bosh"
)

// ConnectionEvent is the connection event, and snapshot().connection.
type ConnectionEvent struct {
	State ConnState `json:"state"`
	// The side connected to, being tried, or (when disconnected) last used.
	Side SideName `json:"side"`
	// Host name of that side.
	Host   string `json:"host"`
	Reason Reason `json:"reason"`
	// When this state began (ISO 8601).
	Since string `json:"since"`
	// Connection attempts since the client was last connected: 0 when a recovery begins, 1 on the first try; on connected, how many it took.
	Attempt int `json:"attempt"`
	// On connected: the transport in use. With transport 'websocket' and the fallback on, 'bosh' here means the side's WebSocket could not be opened.
	Transport Transport `json:"transport,omitempty"`
	// On unauthorized: the sides that refused the current credentials.
	Refused []SideName `json:"refused,omitempty"`
}

// Kind implements Event.
func (ConnectionEvent) Kind() EventType { return EventConnection }

// AgentState is a Finesse agent state (LOGIN, LOGOUT, NOT_READY, READY,
// RESERVED, TALKING, HOLD, WORK, WORK_READY, ...); newer Finesse releases
// may add others, and the empty string means not known yet.
//
// dts: 'LOGIN' | 'LOGOUT' | 'NOT_READY' | 'READY' | 'RESERVED' | 'RESERVED_OUTBOUND' | 'RESERVED_OUTBOUND_PREVIEW' | 'TALKING' | 'HOLD' | 'WORK' | 'WORK_READY' | 'UNKNOWN' | "" | (string & {})
type AgentState string

// AgentEvent is the agent event.
type AgentEvent struct {
	State AgentState `json:"state"`
	// Not Ready / Logout reason code ('255': forced logout); '' when none (Finesse's '-1' included).
	ReasonCode string `json:"reasonCode"`
	// The reason code's label; '' when none.
	ReasonLabel string `json:"reasonLabel"`
	// The state before this change; after a failover, the state held before it, so the host can offer to restore it.
	Previous AgentState `json:"previous"`
	// True when a re-sync after a gap found the change, rather than a notification.
	Synthetic bool `json:"synthetic"`
	// True for a LOGOUT with reason code 255 after a switch: the old side signed the agent out.
	ForcedLogout bool `json:"forcedLogout"`
	// The side that reported it.
	Side SideName `json:"side"`
}

// Kind implements Event.
func (AgentEvent) Kind() EventType { return EventAgent }

// DialogAction says what happened to a call.
type DialogAction string

const (
	// DialogAdded: a call appeared; exactly once per call, across failovers and re-syncs.
	DialogAdded DialogAction = "added"
	// DialogUpdated: a call changed (state, participants, call data).
	DialogUpdated DialogAction = "updated"
	// DialogRemoved: a call ended.
	DialogRemoved DialogAction = "removed"
)

// DialogEvent is the dialog event.
type DialogEvent struct {
	Action DialogAction `json:"action"`
	Dialog Dialog       `json:"dialog"`
	// True when a re-sync found it (the call started or ended during a gap).
	Synthetic bool `json:"synthetic"`
	// The side that reported it.
	Side SideName `json:"side"`
}

// Kind implements Event.
func (DialogEvent) Kind() EventType { return EventDialog }

// Dialog is one call.
type Dialog struct {
	// Finesse dialog id (may differ on the other side).
	ID string `json:"id"`
	// Stable identity across failovers: 'ck:<callKeyPrefix>:<callKeyCallId>:<callKeySequenceNum>' from the CCE call key when Finesse gives one, else 'id:<dialog id>'. Opaque: compare, do not parse.
	CallKey string `json:"callKey"`
	// ALERTING, INITIATING, INITIATED, ACTIVE, HELD, WRAP_UP, DROPPED, FAILED, ...
	State string `json:"state"`
	// The dialog's REST URI.
	URI string `json:"uri"`
	// A consult call's original call (its URI); '' otherwise.
	AssociatedDialogURI string `json:"associatedDialogUri"`
	// Voice, or a non-voice media type.
	MediaType string `json:"mediaType"`
	// mediaProperties callType: ACD_IN, OUT, CONSULT, PREROUTE_ACD_IN, ...
	CallType    string `json:"callType"`
	FromAddress string `json:"fromAddress"`
	ToAddress   string `json:"toAddress"`
	// Caller's number, for screen pops (Finesse has no ANI field: it is fromAddress).
	ANI          string `json:"ani"`
	DNIS         string `json:"dnis"`
	DialedNumber string `json:"dialedNumber"`
	QueueName    string `json:"queueName"`
	QueueNumber  string `json:"queueNumber"`
	WrapUpReason string `json:"wrapUpReason"`
	// callVariable1..10 and ECC variables (user.*), by name.
	CallVariables map[string]string `json:"callVariables"`
	// True when some call data came from the client's cache because the server's copy lost it in a failover.
	Restored bool `json:"restored"`
	// Which fields were restored: 'fromAddress', 'toAddress', 'callType', 'dnis', 'dialedNumber', or a call variable's name as on the wire (e.g. 'callVariable1', 'user.CustomerId').
	RestoredFields []string      `json:"restoredFields"`
	Participants   []Participant `json:"participants"`
}

// Participant is one party of a call.
type Participant struct {
	MediaAddress     string `json:"mediaAddress"`
	MediaAddressType string `json:"mediaAddressType"`
	// ALERTING, ACTIVE, HELD, DROPPED, ...
	State     string `json:"state"`
	StartTime string `json:"startTime"`
	// Actions this agent may take on the call (ANSWER, DROP, HOLD, ...).
	Actions []string `json:"actions"`
}

// NotificationEvent is one raw Finesse Update, as received.
type NotificationEvent struct {
	// The pubsub node, e.g. /finesse/api/User/1001001/Dialogs.
	Node string `json:"node"`
	// POST, PUT or DELETE.
	Event string `json:"event"`
	// The source URI of the update.
	Source string `json:"source"`
	// The requestId of the REST request that caused it; '' when none.
	RequestID string `json:"requestId"`
	// The Update XML as received.
	XML string `json:"xml"`
	// The side it came from.
	Side SideName `json:"side"`
}

// Kind implements Event.
func (NotificationEvent) Kind() EventType { return EventNotification }

// ErrorCode is the machine-readable code of an error event.
type ErrorCode string

const (
	// ErrUnauthorized: a side refused the credentials; that side is not asked again with them (not fatal: the client waits for new ones).
	ErrUnauthorized ErrorCode = "unauthorized"
	// ErrTokenRefreshFailed: getToken failed, gave no usable token or did not answer in time; asked again on the poll schedule.
	ErrTokenRefreshFailed ErrorCode = "token-refresh-failed"
	// ErrTokenExpired: the token expired and there is no getToken; the client waits for setAuth.
	ErrTokenExpired ErrorCode = "token-expired"
	// ErrResyncFailed: reading the agent or calls after a reconnect failed.
	ErrResyncFailed ErrorCode = "resync-failed"
	// ErrSubscribeFailed: a pubsub subscription could not be made or removed.
	ErrSubscribeFailed ErrorCode = "subscribe-failed"
	// ErrSigninFailed: signing the agent in again (after a switch or forced logout) failed.
	ErrSigninFailed ErrorCode = "signin-failed"
	// ErrRestoreStateFailed: putting the agent back into its pre-failover state failed.
	ErrRestoreStateFailed ErrorCode = "restore-state-failed"
	// ErrDecodeFailed: a notification or REST answer could not be decoded.
	ErrDecodeFailed ErrorCode = "decode-failed"
	// ErrAPIError: Finesse reported an API error for a request (requestId says which).
	ErrAPIError ErrorCode = "api-error"
	// ErrInternal: an internal error was recovered; the client keeps running.
	ErrInternal ErrorCode = "internal"
	// ErrListener: (JS wrapper) a listener threw.
	ErrListener ErrorCode = "listener"
	// ErrBadEvent: (JS wrapper) the Go side sent malformed event JSON.
	ErrBadEvent ErrorCode = "bad-event"
	// ErrRuntimeExit: (JS wrapper) the Go runtime stopped; fatal.
	ErrRuntimeExit ErrorCode = "runtime-exit"
	// ErrUser: (gadget follower) finesse.js could not read the User.
	ErrUser ErrorCode = "user"
)

// ErrorEvent is the error event. Message never holds credentials.
type ErrorEvent struct {
	Code    ErrorCode `json:"code"`
	Message string    `json:"message"`
	// The side concerned; '' when none.
	Side SideName `json:"side"`
	// The requestId of the request concerned; '' when none.
	RequestID string `json:"requestId"`
	// True when the client stopped and must be recreated (or given new credentials).
	Fatal bool `json:"fatal"`
}

// Kind implements Event.
func (ErrorEvent) Kind() EventType { return EventError }

// AgentView is snapshot().agent: the agent's last known state.
type AgentView struct {
	LoginID   string     `json:"loginId"`
	Extension string     `json:"extension"`
	State     AgentState `json:"state"`
	// The state Finesse will move to when the current call ends; '' when none.
	PendingState AgentState `json:"pendingState"`
	// '' when none (Finesse's '-1' included).
	ReasonCode  string `json:"reasonCode"`
	ReasonLabel string `json:"reasonLabel"`
	// The state before the last failover; '' when none.
	Previous AgentState `json:"previous"`
	// Finesse's stateChangeTime (ISO 8601); '' when not given.
	StateChangeTime string `json:"stateChangeTime"`
}

// NotificationStatus says whether the client holds a notification session
// to a side.
type NotificationStatus string

const (
	// NotificationUp: a session to this side is open.
	NotificationUp NotificationStatus = "up"
	// NotificationDown: no session to this side.
	NotificationDown NotificationStatus = "down"
)

// Presence is the presence of Finesse's own 'finesse' XMPP user on a side.
type Presence string

const (
	// PresenceAvailable: Finesse is up on that side.
	PresenceAvailable Presence = "available"
	// PresenceUnavailable: Finesse is going down on that side.
	PresenceUnavailable Presence = "unavailable"
	// PresenceUnknown: no session to that side, or no presence seen yet.
	PresenceUnknown Presence = "unknown"
)

// SideStatus is one configured side in snapshot().sides.
type SideStatus struct {
	Side SideName `json:"side"`
	Host string   `json:"host"`
	// SystemInfo's status as last seen (IN_SERVICE, OUT_OF_SERVICE, ...); '' before the first check; 'UNREACHABLE' when the last check failed.
	Status string `json:"status"`
	// SystemInfo's deploymentType; '' when unknown.
	DeploymentType string `json:"deploymentType"`
	// True while the side is in maintenance mode.
	Maintenance     bool               `json:"maintenance"`
	Notification    NotificationStatus `json:"notification"`
	FinessePresence Presence           `json:"finessePresence"`
	// True for the side in use.
	Active bool `json:"active"`
	// When SystemInfo was last checked (ISO 8601); '' never.
	CheckedAt string `json:"checkedAt"`
	// The last error talking to this side (no credentials); '' when none.
	LastError string `json:"lastError"`
	// The node name SystemInfo reports for this side; informational, never used to build URLs.
	ReportedHost string `json:"reportedHost"`
}

// Snapshot is client.snapshot().
type Snapshot struct {
	Connection ConnectionEvent `json:"connection"`
	// The agent's last known state; null until the User has been read.
	Agent   *AgentView   `json:"agent"`
	Dialogs []Dialog     `json:"dialogs"`
	Sides   []SideStatus `json:"sides"`
}

// HistoryKind is what a history() entry records.
//
// dts-includes: ConnState the connection state became this one (unauthorized also: a side refused the credentials; detail says where).
type HistoryKind string

const (
	// HistoryTrigger: a recovery began; detail is its Reason.
	HistoryTrigger HistoryKind = "trigger"
	// HistoryPoll: both sides' SystemInfo was polled; detail summarises them.
	HistoryPoll HistoryKind = "poll"
	// HistoryBusy: a side answered 503; polling again sooner.
	HistoryBusy HistoryKind = "busy"
	// HistoryJitter: a random delay before switching or reconnecting; detail is its length.
	HistoryJitter HistoryKind = "jitter"
	// HistoryConnect: a connection attempt to a side began.
	HistoryConnect HistoryKind = "connect"
	// HistoryConnectFailed: a connection attempt failed; detail says at which stage.
	HistoryConnectFailed HistoryKind = "connect-failed"
	// HistorySwitch: the client moved to the other side.
	HistorySwitch HistoryKind = "switch"
	// HistorySignin: the agent was signed in again after a reconnect.
	HistorySignin HistoryKind = "signin"
	// HistoryNotificationLost: the notification session ended.
	HistoryNotificationLost HistoryKind = "notification-lost"
	// HistoryFinessePresence: the side's finesse user changed presence.
	HistoryFinessePresence HistoryKind = "finesse-presence"
	// HistoryPing: a keepalive ping failed or went unanswered.
	HistoryPing HistoryKind = "ping"
	// HistoryRecheck: a health check was requested (tab visible again, back online).
	HistoryRecheck HistoryKind = "recheck"
	// HistoryForcedLogout: the old side signed the agent out (reason code 255).
	HistoryForcedLogout HistoryKind = "forced-logout"
	// HistoryRelogin: the agent was signed in again after a forced logout.
	HistoryRelogin HistoryKind = "relogin"
	// HistoryRestoreState: the agent's pre-failover state is being or was restored.
	HistoryRestoreState HistoryKind = "restore-state"
	// HistoryRequestRetry: a page request is retried (503, or no usable side); detail says when.
	HistoryRequestRetry HistoryKind = "request-retry"
	// HistoryRequest401: Finesse refused a page request for another object with 401; the session is kept and nothing is retried.
	HistoryRequest401 HistoryKind = "request-401"
	// HistoryCredentials: new credentials were taken (setAuth or a fresh token); detail says which kind, never the value.
	HistoryCredentials HistoryKind = "credentials"
	// HistoryTokenRefresh: getToken was called; detail says why (75% of the lifetime, or a 401).
	HistoryTokenRefresh HistoryKind = "token-refresh"
	// HistoryTokenExpired: the current token reached its exp and is no longer sent.
	HistoryTokenExpired HistoryKind = "token-expired"
	// HistoryConflict: another session bound the same XMPP resource; detail says when the next bind may happen.
	HistoryConflict HistoryKind = "conflict"
	// HistoryError: an error event was emitted; detail is code and message.
	HistoryError HistoryKind = "error"
	// HistoryUnknownStatus: (gadget follower) the desktop reported a status this client does not know.
	HistoryUnknownStatus HistoryKind = "unknown-status"
)

// HistoryEntry is one line of client.history(), the failover timeline.
type HistoryEntry struct {
	// ISO 8601 time.
	At   string      `json:"at"`
	What HistoryKind `json:"what"`
	// The side concerned; '' when none or both.
	Side SideName `json:"side"`
	// Free text for people; never credentials.
	Detail string `json:"detail"`
}

// Result is what client.request() resolves with. A non-2xx answer is a
// Result too, not an error: the page decides what a 400 means; only "no
// answer" (transport failure, timeout, closed, no usable side) rejects.
type Result struct {
	Status int `json:"status"`
	// The response's headers, first value each under canonical names, without Set-Cookie and auth headers.
	Headers map[string]string `json:"headers"`
	// The response body; a non-2xx body is scrubbed of the client's credentials.
	Body string `json:"body"`
	// The requestId the client sent (Finesse echoes it in the resulting notification).
	RequestID string `json:"requestId"`
	// The side that answered.
	Side SideName `json:"side"`
	// True when a PUT/POST answered 202 was confirmed by the notification carrying its requestId.
	Confirmed bool `json:"confirmed"`
	// On a non-2xx: a one-line description; absent otherwise.
	Error string `json:"error,omitempty"`
}
