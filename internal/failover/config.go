package failover

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/notify"
)

// Config is everything an Engine needs. internal/client builds it from the
// page's options; the engine itself performs no I/O except through the
// interfaces held here.
type Config struct {
	// AgentID is the agent's loginId: REST paths and the notification nodes
	// /finesse/api/User/{AgentID} and .../Dialogs are derived from it.
	AgentID string
	// Extension is used for LOGIN when the engine has to sign the agent in
	// again (after a switch that found the agent signed out, or the opt-in
	// re-login after a forced logout). Without it the engine never signs in.
	Extension string

	// Sides are side A and, in a duplex deployment, side B (one or two).
	Sides []Side
	// StartSide is the side tried first (0 = A, 1 = B). Either side may be
	// the first one used; the other is the alternate from then on.
	StartSide int
	// Subscriptions are explicit pubsub nodes (e.g. /finesse/api/Team/{id}/Users)
	// re-issued on every (re)connect, because Finesse does not carry them
	// across sides. Engine.Subscribe adds more at run time.
	Subscriptions []string

	// Clock is the engine's only source of time; clock.Real() in production.
	Clock clock.Clock
	// Rand spreads reconnects (jitter) and makes requestIds; nil uses the
	// auto-seeded math/rand/v2 source. *rand.Rand from math/rand/v2 fits.
	Rand Rand
	// Policy tunes timings and opt-in behaviour; zero fields take defaults.
	Policy Policy

	// OnEvent receives every event, in order, one at a time. It must not
	// block and must not call Request (which waits for the engine); it may
	// call Snapshot, History, Subscribe and Close.
	OnEvent func(Event)
	// OnHistory receives every new history entry, in order, one at a time,
	// after the events of the same input: a step that is no event (a poll,
	// a jitter wait, a token refresh) is known at once to a runtime that
	// holds a copy of History (a worker's pages). Same rules as OnEvent.
	OnHistory func(HistoryEntry)

	// Auth is the agent's credential: Basic (Username, Password) or an SSO
	// token (Token). The engine sends it with every REST call (REST
	// implementations take it from the call's context, AuthFrom) and as the
	// SASL PLAIN password of every notification login, and replaces it on
	// SetAuth or when GetToken brings a fresh token. Empty: the REST
	// implementations and Endpoint passwords are used as they are.
	Auth finesse.Auth
	// GetToken, for SSO agents, returns a fresh token. The engine calls it
	// at 75% of the current token's lifetime when the JWT's iat/exp are
	// readable, else once on the token's first 401; never twice within 10 s;
	// a failure is reported (ErrCodeTokenRefresh) and retried after
	// PollInterval. Its context ends after RequestTimeout or on Close.
	GetToken func(ctx context.Context) (string, error)

	// Secrets are extra strings (tokens, passwords) to scrub from every error
	// text and history entry. The sides' Endpoint passwords are always added.
	Secrets []string
}

// Side is one Finesse node as the engine drives it.
type Side struct {
	// Host names the side in events and history (normally the host of the
	// REST base URL the page allowed). Never used to build URLs.
	Host string
	// REST is the side's REST API.
	REST REST
	// Dialer opens notification sessions to the side at Endpoint.
	Dialer   notify.Dialer
	Endpoint notify.Endpoint
}

// Rand is the random source the engine uses.
type Rand interface {
	Int64N(n int64) int64
}

type globalRand struct{}

func (globalRand) Int64N(n int64) int64 { return rand.Int64N(n) }

// Policy holds the tunables. A zero value means "default"; where zero is a
// meaningful setting (no jitter, no retries) use a negative value instead.
type Policy struct {
	// PollInterval is how often SystemInfo of both sides is polled while no
	// side is usable (Cisco's desktop value: 10 s). The first poll of a
	// recovery happens at once.
	PollInterval time.Duration
	// HealthTimeout bounds one SystemInfo poll (default 3 s): a side that
	// does not answer in time counts as down (this is how a black hole is
	// told from a slow side).
	HealthTimeout time.Duration
	// RequestTimeout bounds one REST call or subscription (default 10 s).
	RequestTimeout time.Duration
	// DialTimeout bounds opening a notification session (default 15 s).
	DialTimeout time.Duration
	// TransportRetries is how many times a side whose SystemInfo is
	// IN_SERVICE is tried for a notification session before it counts as
	// failed (default 3, as Cisco's desktop library does).
	TransportRetries int
	// TransportBackoff is the pause after the first failed attempt, doubled
	// after each further one (default 1 s).
	TransportBackoff time.Duration
	// PingInterval is the keepalive period (default 10 s; Finesse expects a
	// ping at least every 20 s, so larger values are capped at 20 s).
	PingInterval time.Duration
	// PingTimeout is how long a ping may go unanswered before the session
	// counts as a black hole (default 5 s).
	PingTimeout time.Duration
	// Jitter is the upper bound of the random delay before switching or
	// reconnecting (default 2 s; negative: none).
	Jitter time.Duration
	// BusyRetry is how soon the sides are polled again, instead of after
	// PollInterval, when no side is usable and one answered 503 ("retry in
	// a few seconds", SPEC §3.2: a side shedding load in a failover storm,
	// or a CTI failover). It doubles with each such round in a row, up to
	// PollInterval, and jitter is added so that the clients a side turned
	// away do not come back together (default 1 s).
	BusyRetry time.Duration
	// RestoreAgentState, when true, puts the agent back into the state it
	// had before a failover (READY, or NOT_READY with its reason code) if the
	// new side reports something else. Off by default: the host decides.
	RestoreAgentState bool
	// ReloginAfterForcedLogout, when true, signs the agent in again on the
	// current side when the old side force-logs it out after a switch.
	ReloginAfterForcedLogout bool
	// ForcedLogoutWindow is how long after a switch a LOGOUT with reason
	// code 255 counts as the old side's forced logout (default 240 s: Finesse
	// waits 60 s, and up to 180 s when it has to detect a crash).
	ForcedLogoutWindow time.Duration
	// Retry503 bounds the retries of the page's GET and PUT requests on 503
	// or while no side is usable.
	Retry503 RetryPolicy
	// RetryPOST allows the page's POST requests (MAKE_CALL) to be retried
	// like GET and PUT. Off by default: a retried POST may place a second call.
	RetryPOST bool
	// RequestWait is how long a page request may wait for a usable side
	// before it fails (default 30 s).
	RequestWait time.Duration
	// ConfirmTimeout is how long a PUT/POST answered 202 waits for the
	// notification carrying its requestId (default 10 s); after that it
	// resolves unconfirmed.
	ConfirmTimeout time.Duration
	// HistoryCap bounds History() (default 256 entries).
	HistoryCap int
}

// RetryPolicy bounds retries: Count attempts after the first (default 3;
// negative: none), waiting Backoff before the first retry and doubling it
// after each (default 2 s).
type RetryPolicy struct {
	Count   int
	Backoff time.Duration
}

// DefaultPolicy returns the policy with every default filled in.
func DefaultPolicy() Policy { return Policy{}.withDefaults() }

func (p Policy) withDefaults() Policy {
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&p.PollInterval, 10*time.Second)
	def(&p.HealthTimeout, 3*time.Second)
	def(&p.RequestTimeout, 10*time.Second)
	def(&p.DialTimeout, 15*time.Second)
	def(&p.TransportBackoff, time.Second)
	def(&p.PingInterval, 10*time.Second)
	def(&p.PingTimeout, 5*time.Second)
	def(&p.Jitter, 2*time.Second)
	def(&p.BusyRetry, time.Second)
	def(&p.ForcedLogoutWindow, 240*time.Second)
	def(&p.Retry503.Backoff, 2*time.Second)
	def(&p.RequestWait, 30*time.Second)
	def(&p.ConfirmTimeout, 10*time.Second)
	if p.PingInterval > 20*time.Second {
		p.PingInterval = 20 * time.Second
	}
	if p.Jitter < 0 {
		p.Jitter = 0
	}
	if p.TransportRetries == 0 {
		p.TransportRetries = 3
	}
	if p.TransportRetries < 1 {
		p.TransportRetries = 1
	}
	if p.Retry503.Count == 0 {
		p.Retry503.Count = 3
	}
	if p.Retry503.Count < 0 {
		p.Retry503.Count = 0
	}
	if p.HistoryCap <= 0 {
		p.HistoryCap = 256
	}
	return p
}

// ConfigError names the Config field that is wrong.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("failover: config %s: %s", e.Field, e.Reason)
}

func (c *Config) validate() error {
	if strings.TrimSpace(c.AgentID) == "" {
		return &ConfigError{"AgentID", "missing"}
	}
	if len(c.Sides) < 1 || len(c.Sides) > 2 {
		return &ConfigError{"Sides", "need one or two sides"}
	}
	for i, s := range c.Sides {
		field := fmt.Sprintf("Sides[%d]", i)
		if s.REST == nil {
			return &ConfigError{field + ".REST", "missing"}
		}
		if s.Dialer == nil {
			return &ConfigError{field + ".Dialer", "missing"}
		}
	}
	if c.StartSide < 0 || c.StartSide >= len(c.Sides) {
		return &ConfigError{"StartSide", "no such side"}
	}
	if c.Clock == nil {
		return &ConfigError{"Clock", "missing"}
	}
	if c.Auth != (finesse.Auth{}) {
		if err := checkAuth(c.Auth); err != nil {
			return &ConfigError{"Auth", strings.TrimPrefix(err.Error(), ErrBadAuth.Error()+": ")}
		}
	}
	return nil
}

// DefaultResource was the XMPP resource bound when the Endpoint named none.
// The engine no longer fills it in: two clients of one agent with one
// resource knock each other off (conflict). An empty Endpoint.Resource lets
// notify bind a resource unique to the session.
const DefaultResource = "finesse-ha"
