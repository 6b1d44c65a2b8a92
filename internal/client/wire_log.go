package client

// The diagnostic log and bundle (client.on('log'), client.diagnostics()).
// Every string in them has passed the engine's scrubber, which knows the
// credentials given at start and those taken later (setAuth, getToken).

// LogLevel is a log entry's severity, and options.logLevel.
type LogLevel string

const (
	// LogOff: (options.logLevel only) no log events; the default.
	LogOff LogLevel = "off"
	// LogError: the client stopped, or a failure the page must act on.
	LogError LogLevel = "error"
	// LogWarn: a failover, a refused credential, a failed step the client recovers from.
	LogWarn LogLevel = "warn"
	// LogInfo: connection, agent and call changes; credentials taken.
	LogInfo LogLevel = "info"
	// LogDebug: every history step (polls, connects, jitter) and raw notifications (node only).
	LogDebug LogLevel = "debug"
)

// LogSource says where a log entry comes from.
type LogSource string

const (
	// LogFromEvent: an event the page was sent (connection, agent, dialog, notification, error).
	LogFromEvent LogSource = "event"
	// LogFromHistory: a step of the failover timeline (history()).
	LogFromHistory LogSource = "history"
	// LogFromWrapper: the JS wrapper's own lines (runtime chosen, .wasm loaded).
	LogFromWrapper LogSource = "wrapper"
)

// LogEntry is the log event, and one line of diagnostics().log.
type LogEntry struct {
	// ISO 8601 time.
	At string `json:"at"`
	// Never 'off'.
	Level  LogLevel  `json:"level"`
	Source LogSource `json:"source"`
	// One line for people; never credentials.
	Message string `json:"message"`
	// The side concerned; '' when none or both.
	Side SideName `json:"side"`
}

// Kind implements Event.
func (LogEntry) Kind() EventType { return EventLog }

// AuthKind names the kind of credentials in use, never their value.
type AuthKind string

const (
	// AuthPassword: {username, password} (Basic).
	AuthPassword AuthKind = "password"
	// AuthToken: {token} (SSO Bearer).
	AuthToken AuthKind = "token"
	// AuthTokenSource: {token?, getToken} (SSO with a token source).
	AuthTokenSource AuthKind = "token-source"
)

// DiagnosticOptions are the client's options as it runs with them (derived
// URLs filled in, defaults applied), without credentials.
type DiagnosticOptions struct {
	Sides []SideURLs   `json:"sides"`
	Agent AgentOptions `json:"agent"`
	// The kind of the first credentials; the value is never included.
	Auth          AuthKind  `json:"auth"`
	Transport     Transport `json:"transport"`
	Fallback      bool      `json:"fallback"`
	AllowInsecure bool      `json:"allowInsecure"`
	// '' when each session binds a random one.
	Resource string   `json:"resource"`
	LogLevel LogLevel `json:"logLevel"`
	// The engine's timings and opt-in behaviour, defaults applied.
	Policy DiagnosticPolicy `json:"policy"`
}

// DiagnosticPolicy is the policy in effect.
type DiagnosticPolicy struct {
	PollIntervalMs           float64 `json:"pollIntervalMs"`
	JitterMs                 float64 `json:"jitterMs"`
	RestoreAgentState        bool    `json:"restoreAgentState"`
	ReloginAfterForcedLogout bool    `json:"reloginAfterForcedLogout"`
	RetryPost                bool    `json:"retryPost"`
}

// Diagnostics is client.diagnostics(): what a support engineer needs,
// as one JSON-serializable object. The JS wrapper adds version, runtime,
// userAgent and createdAt, and its own lines to log.
type Diagnostics struct {
	Options  DiagnosticOptions `json:"options"`
	Snapshot Snapshot          `json:"snapshot"`
	History  []HistoryEntry    `json:"history"`
	// The most recent log entries at 'info' or finer (at 'debug' with options.logLevel 'debug'), oldest first; kept whether or not anyone listens, bounded.
	Log []LogEntry `json:"log"`
}
