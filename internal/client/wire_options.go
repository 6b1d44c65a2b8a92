package client

// Options are createClient's options as the Go side receives them: all of
// them but the loader's own (wasmURL, wasmModule). An unknown key is an
// error, so that a typo such as "allowInsecur" does not silently weaken
// security; an error names the field, e.g. options.sides[1].
type Options struct {
	// One or two sides: side A first, then side B. A string is the side's REST base URL (the notification URLs are derived as Finesse does); the object form names every URL, for reverse proxies and the simulator.
	//
	// dts: (string | SideURLs)[]
	Sides []SideURLs `json:"sides"`
	// The agent whose desktop this is.
	Agent AgentOptions `json:"agent"`
	// Credentials: {username, password}, or {token} with an optional getToken (SSO). Never echoed in events, history, errors or logs.
	//
	// dts: PasswordAuth | TokenAuth | TokenSourceAuth
	Auth AuthOptions `json:"auth"`
	// Notification transport: 'websocket' (Finesse 12.5 and later, where BOSH is deprecated) or 'bosh' (every release).
	Transport Transport `json:"transport"`
	// With transport 'websocket': dial a side over BOSH when its WebSocket cannot be opened (refused, no /ws/, no xmpp subprotocol); a session that was open and then fails is not silently replaced. Default true. Only valid with 'websocket'.
	Fallback *bool `json:"fallback,omitempty"`
	// Allow http:/ws: side URLs (simulator, lab). Without it a non-https side is rejected.
	AllowInsecure bool `json:"allowInsecure,omitempty"`
	// XMPP resource: up to 64 letters, digits or . _ -; never 'desktop' (the Finesse desktop's). Default: a random one per session.
	Resource string `json:"resource,omitempty"`
	// Opt-in behaviour and timings of the failover engine.
	Policy *PolicyOptions `json:"policy,omitempty"`
	// The least severe 'log' event delivered: 'off' (the default: no log events), 'error', 'warn', 'info' or 'debug'. diagnostics() keeps the recent log at 'info' or finer whatever this says.
	LogLevel LogLevel `json:"logLevel,omitempty"`
}

// SideURLs are the URLs of one side.
type SideURLs struct {
	// REST base URL, e.g. https://fin-a.example.com:8445.
	REST string `json:"rest"`
	// BOSH URL. Default: https://<host>:7443/http-bind/ (http://<host>:7071/http-bind/ for an http: side).
	BOSH string `json:"bosh,omitempty"`
	// WebSocket URL. Default: /ws/ on the REST host and port, e.g. wss://fin-a.example.com:8445/ws/.
	WebSocket string `json:"websocket,omitempty"`
}

// AgentOptions names the agent.
type AgentOptions struct {
	// The agent's loginId: up to 64 letters, digits or . _ -.
	ID string `json:"id"`
	// The agent's extension; used to sign the agent in again after a switch or forced logout (without it the client never signs in).
	Extension string `json:"extension,omitempty"`
}

// AuthOptions are the credentials: username and password (Basic), or token
// (SSO Bearer; also the XMPP password).
type AuthOptions struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Token    string `json:"token,omitempty"`
}

// PolicyOptions are options.policy; an absent field takes its default.
type PolicyOptions struct {
	// SystemInfo poll interval while recovering, in ms (1000 to 600000). Default 10000, Cisco's desktop value.
	PollIntervalMs *float64 `json:"pollIntervalMs,omitempty"`
	// Upper bound of the random delay before switching or reconnecting, in ms (0 to 60000); 0 means no delay. Default 2000.
	JitterMs *float64 `json:"jitterMs,omitempty"`
	// Put the agent back into the state held before a failover. Default false.
	RestoreAgentState *bool `json:"restoreAgentState,omitempty"`
	// Sign the agent in again after a forced logout (reason code 255) by the old side. Default false.
	ReloginAfterForcedLogout *bool `json:"reloginAfterForcedLogout,omitempty"`
	// Retry POST requests (MAKE_CALL) on 503 or during a switch. Default false: a retried POST can dial twice.
	RetryPost *bool `json:"retryPost,omitempty"`
}
