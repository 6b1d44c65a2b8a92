package client

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/finesse-ha/finesse-ha/internal/clock"
	"github.com/finesse-ha/finesse-ha/internal/failover"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
	"github.com/finesse-ha/finesse-ha/internal/httpx"
	"github.com/finesse-ha/finesse-ha/internal/notify"
	"github.com/finesse-ha/finesse-ha/internal/ws"
)

// Doer sends HTTP requests: internal/httpx/nethttp natively,
// jsfetch.Transport in the browser. REST and BOSH share it.
type Doer = httpx.Doer

// Client is one agent's failover client.
type Client struct {
	engine *failover.Engine
	log    *logger
	// options are the options in effect, without credentials (diagnostics()).
	options DiagnosticOptions
}

// An Option supplies what only the runtime can: the WebSocket
// implementation (the browser's, or a native one).
type Option func(*settings)

type settings struct {
	wsDial    ws.DialFunc
	getToken  func(context.Context) (string, error) // auth.go
	onHistory func()
}

// WithWebSocket supplies the WebSocket implementation the "websocket"
// transport needs: wasm/jsws in the browser, internal/ws/native natively.
// It is an option rather than a dependency so that the wasm build links no
// native WebSocket library.
func WithWebSocket(dial ws.DialFunc) Option { return func(s *settings) { s.wsDial = dial } }

// OnHistory calls f after every new history entry, as it is recorded and
// after the events of the same step; the same rules as onEvent. A runtime
// that keeps a copy of History (a worker serving pages) needs it: many
// entries (polls, jitter waits, token refreshes) come with no event. f
// reads History itself, once for any number of entries.
func OnHistory(f func()) Option { return func(s *settings) { s.onHistory = f } }

// New validates cfg (the one validation pass; errors are *OptionError
// naming the option) and builds the REST client and notification dialer of
// every side and the failover engine over them. onEvent receives every
// event in order, as the page will see it; it must not block and must not
// call Request. Call Start to connect.
func New(cfg Config, doer Doer, clk clock.Clock, onEvent func(Event), opts ...Option) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if doer == nil || clk == nil {
		return nil, errors.New("finesse-ha: client.New needs a Doer and a Clock")
	}
	var set settings
	for _, o := range opts {
		o(&set)
	}
	dialer, err := newDialer(cfg, doer, set)
	if err != nil {
		return nil, err
	}
	cred := credentialsOf(cfg.Auth)
	c := &Client{options: diagnosticOptions(cfg, set.getToken != nil)}
	c.log = newLogger(cfg.LogLevel, clk.Now, sendTo(onEvent))
	sides := make([]failover.Side, 0, len(cfg.Sides))
	for i, sc := range cfg.Sides {
		rc, err := finesse.NewClient(sc.REST, doer, cfg.Auth)
		if err != nil {
			// finesse errors may quote the URL; name the field instead.
			return nil, optErr(sideField(i), "not a usable Finesse base URL")
		}
		u, _ := url.Parse(sc.REST) // validated above
		sides = append(sides, failover.Side{
			Host:   u.Hostname(),
			REST:   failover.FinesseREST(rc),
			Dialer: dialer,
			Endpoint: notify.Endpoint{
				BOSHURL:      sc.BOSH,
				WebSocketURL: sc.WebSocket,
				Username:     cfg.AgentID,
				Password:     cred.xmppPassword,
				Resource:     cfg.Resource,
			},
		})
	}
	fcfg := failover.Config{
		AgentID:   cfg.AgentID,
		Extension: cfg.Extension,
		Sides:     sides,
		Clock:     clk,
		Policy:    cfg.Policy,
		OnEvent:   c.forward(onEvent),
		Secrets:   cred.secrets,
		Auth:      cfg.Auth,
		GetToken:  set.getToken,
	}
	if f := set.onHistory; f != nil {
		fcfg.OnHistory = func(failover.HistoryEntry) { f() }
	}
	e, err := failover.New(fcfg)
	if err != nil {
		return nil, err
	}
	c.engine = e
	c.log.scrub = e.Scrub
	return c, nil
}

// forward hands the engine's events to onEvent in their wire form, each
// followed by its log lines: the event's own, then those of the history
// entries recorded since the last event.
func (c *Client) forward(onEvent func(Event)) func(failover.Event) {
	send := sendTo(onEvent)
	return func(ev failover.Event) {
		w := toEvent(ev)
		if w == nil {
			return
		}
		send(w)
		if c.engine != nil {
			c.log.history(c.engine.History())
		}
		c.log.event(w)
	}
}

func sendTo(onEvent func(Event)) func(Event) {
	if onEvent == nil {
		return func(Event) {}
	}
	return onEvent
}

// newDialer picks the notification transport. With WebSocket and the
// fallback on, a side whose socket cannot be opened (refused, no /ws/, no
// xmpp subprotocol) is dialled over BOSH instead; an established WebSocket
// session that later fails is never silently replaced.
func newDialer(cfg Config, doer Doer, set settings) (notify.Dialer, error) {
	bosh := notify.NewBOSHDialer(doer, notify.Options{})
	if cfg.Transport != TransportWebSocket {
		return bosh, nil
	}
	if set.wsDial == nil {
		return nil, optErr("options.transport", `"websocket" needs a WebSocket implementation, and none was given to this runtime; use "bosh"`)
	}
	wsd := notify.NewWebSocketDialer(set.wsDial, notify.Options{})
	if cfg.NoFallback {
		return wsd, nil
	}
	return notify.NewFallbackDialer(wsd, bosh), nil
}

func sideField(i int) string { return fmt.Sprintf("options.sides[%d]", i) }

// Start connects; progress is reported through onEvent.
func (c *Client) Start() { c.engine.Start() }

// Snapshot is the current connection, agent, calls and side health.
func (c *Client) Snapshot() Snapshot { return toSnapshot(c.engine.Snapshot()) }

// History is the failover timeline, oldest first; never nil.
func (c *Client) History() []HistoryEntry { return toHistory(c.engine.History()) }

// Recheck checks health now instead of on the next timer (failover.Engine
// Recheck): the page calls it when its tab becomes visible or the network
// comes back, since hidden tabs throttle timers. It never blocks on I/O.
func (c *Client) Recheck() { c.engine.Recheck() }

// Close stops the client; it is idempotent. Done closes when it has stopped.
func (c *Client) Close() error { return c.engine.Close() }

// Done is closed once the client has stopped after Close.
func (c *Client) Done() <-chan struct{} { return c.engine.Done() }

// Request sends one REST request through the active side (failover.Engine
// Request). It fails only when no answer was received (transport error,
// timeout, closed, no usable side); the error text holds no credential.
func (c *Client) Request(ctx context.Context, method, path string, body []byte) (*Result, error) {
	resp, err := c.engine.Request(ctx, method, path, body)
	if err != nil {
		var re *failover.RequestError
		if errors.As(err, &re) && re.Status != 0 {
			return &Result{
				Status: re.Status, Headers: orEmptyMap(re.Header), Body: re.Body,
				RequestID: re.RequestID, Side: SideName(re.Side), Error: re.Msg,
			}, nil
		}
		return nil, err
	}
	return toResult(resp), nil
}
