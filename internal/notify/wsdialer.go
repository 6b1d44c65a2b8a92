package notify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/ws"
)

// defaultOpenTimeout bounds opening a WebSocket when Options.OpenTimeout
// is zero: long enough for a TLS handshake over a slow VPN, short enough
// that a firewall silently dropping the WebSocket port leaves time to fall
// back to BOSH.
const defaultOpenTimeout = 5 * time.Second

// WebSocketDialer opens notification sessions over XMPP over WebSocket
// (RFC 7395), Finesse's preferred transport (wss://<side>:8445/ws/). The
// socket comes from a ws.DialFunc: internal/ws/native natively, wasm/jsws
// in the browser; this package links neither.
type WebSocketDialer struct {
	dial ws.DialFunc
	opts Options
}

// NewWebSocketDialer returns a Dialer that speaks RFC 7395 over sockets
// from dial. Of opts it uses PresenceEcho and OpenTimeout; the BOSH fields
// do not apply (the message size limit is the ws.Conn's).
func NewWebSocketDialer(dial ws.DialFunc, opts Options) *WebSocketDialer {
	if opts.PresenceEcho <= 0 {
		opts.PresenceEcho = 5 * time.Second
	}
	if opts.OpenTimeout <= 0 {
		opts.OpenTimeout = defaultOpenTimeout
	}
	return &WebSocketDialer{dial: dial, opts: opts}
}

var _ Dialer = (*WebSocketDialer)(nil)

// Dial opens a socket to ep.WebSocketURL, authenticates with SASL PLAIN,
// binds the resource, starts serving incoming stanzas and sends presence
// with priority 0, returning once the server has reflected it, exactly as
// BOSHDialer.Dial does. A socket that cannot be opened (refused, HTTP
// error, no xmpp subprotocol, OpenTimeout) gives an error matching
// ws.ErrDial, and only then; bad credentials give one matching
// ErrUnauthorized after one attempt.
func (d *WebSocketDialer) Dial(ctx context.Context, ep Endpoint, l Listener) (Session, error) {
	if ep.WebSocketURL == "" {
		return nil, &EndpointError{Field: "WebSocketURL", Reason: "missing"}
	}
	a, err := resolve(ep)
	if err != nil {
		return nil, err
	}
	octx, cancel := context.WithTimeout(ctx, d.opts.OpenTimeout)
	c, err := d.dial(octx, ep.WebSocketURL)
	cancel()
	if err != nil {
		if ctx.Err() == nil && octx.Err() != nil && !errors.Is(err, ws.ErrDial) {
			// Our own open timeout, from a DialFunc that did not say ErrDial.
			err = fmt.Errorf("%w: no answer within %v: %w", ws.ErrDial, d.opts.OpenTimeout, err)
		}
		return nil, fmt.Errorf("notify: open WebSocket: %w", err)
	}
	return establish(ctx, newWSConn(c), a, ep, d.opts, l)
}

// NewFallbackDialer returns a Dialer that dials primary (a WebSocketDialer)
// and, only when its socket could not be opened at all (an error matching
// ws.ErrDial: connection refused, 404, no xmpp subprotocol, open timeout),
// dials fallback (a BOSHDialer) instead. Finesse deprecates BOSH in favour
// of WebSocket on 8445, but older sides and reverse proxies may offer only
// BOSH.
//
// It never falls back after the primary reached the XMPP server: a refused
// login (ErrUnauthorized) or a negotiation failure is the side's answer,
// and retrying it over another transport would spend a second of the five
// attempts that lock a Finesse account. Nor does it when ctx is done.
//
// A side whose socket could not be opened while the fallback then worked
// has no usable WebSocket, not a passing fault: later Dials to that
// WebSocketURL go straight to the fallback, so a firewalled port does not
// add its open timeout to every recovery. A failure of both says nothing
// about WebSocket (the side is down), so it is not remembered.
func NewFallbackDialer(primary, fallback Dialer) Dialer {
	return &fallbackDialer{primary: primary, fallback: fallback, noPrimary: map[string]bool{}}
}

type fallbackDialer struct {
	primary, fallback Dialer

	mu        sync.Mutex
	noPrimary map[string]bool // WebSocketURLs known to need the fallback
}

func (d *fallbackDialer) Dial(ctx context.Context, ep Endpoint, l Listener) (Session, error) {
	d.mu.Lock()
	skip := d.noPrimary[ep.WebSocketURL]
	d.mu.Unlock()
	if skip {
		return d.fallback.Dial(ctx, ep, l)
	}
	s, err := d.primary.Dial(ctx, ep, l)
	if err == nil || !errors.Is(err, ws.ErrDial) || errors.Is(err, ErrUnauthorized) || ctx.Err() != nil {
		return s, err
	}
	s, ferr := d.fallback.Dial(ctx, ep, l)
	if ferr != nil {
		// ferr decides what the caller does (ErrUnauthorized above all);
		// the primary's failure is context for the log.
		return nil, fmt.Errorf("%w (after: %v)", ferr, err)
	}
	d.mu.Lock()
	d.noPrimary[ep.WebSocketURL] = true
	d.mu.Unlock()
	return s, nil
}
