package notify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/finesse-ha/finesse-ha/internal/bosh"
	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// Options tunes a Dialer. The BOSH fields tune a BOSHDialer's transport;
// zero values take the bosh package's defaults (wait 30 s, request timeout
// wait+10 s, 3 attempts with a 0.25 s doubling backoff, 32 MiB body limit).
type Options struct {
	Wait          time.Duration
	RequestMargin time.Duration
	Attempts      int
	RetryBackoff  time.Duration
	MaxBodySize   int64
	// PresenceEcho bounds how long Dial waits for the server to reflect the
	// initial presence (RFC 6121 §4.2.2), which is how Dial knows the
	// presence gate is open before it returns. Default 5 s; on expiry Dial
	// returns anyway.
	PresenceEcho time.Duration
	// OpenTimeout bounds opening a WebSocket (TCP, TLS, HTTP upgrade) for
	// a WebSocketDialer; default 5 s. It ends with an error matching
	// ws.ErrDial, so a NewFallbackDialer can still try BOSH in time.
	OpenTimeout time.Duration

	noPresence bool // tests only: leave the presence gate closed
}

// BOSHDialer opens notification sessions over BOSH (XEP-0206) through a
// Doer: *http.Client natively, the fetch Doer in the browser.
type BOSHDialer struct {
	doer bosh.Doer
	opts Options
}

// NewBOSHDialer returns a Dialer that speaks BOSH through doer.
func NewBOSHDialer(doer bosh.Doer, opts Options) *BOSHDialer {
	if opts.PresenceEcho <= 0 {
		opts.PresenceEcho = 5 * time.Second
	}
	return &BOSHDialer{doer: doer, opts: opts}
}

var _ Dialer = (*BOSHDialer)(nil)

// addrs are the parsed addresses of an Endpoint.
type addrs struct {
	domain, origin, pubsub, finesse address
}

// ReservedResource reports whether resource is the one Finesse's own
// desktop binds ("desktop", in any case). Binding it would sign the agent's
// desktop out (a conflict), so no client of this project ever does: this is
// the one place that knows the rule.
func ReservedResource(resource string) bool {
	return strings.EqualFold(strings.TrimSpace(resource), "desktop")
}

// resolve checks and parses what every transport needs of ep; each
// Dialer checks its own URL.
func resolve(ep Endpoint) (addrs, error) {
	var a addrs
	if ep.Username == "" {
		return a, &EndpointError{Field: "Username", Reason: "missing"}
	}
	if ReservedResource(ep.Resource) {
		return a, &EndpointError{Field: "Resource", Reason: `"desktop" belongs to the Finesse desktop; binding it would kick the agent's desktop`}
	}
	var err error
	if a.domain, err = parseAddress(ep.Domain); err != nil || a.domain.local != "" || a.domain.resource != "" {
		return a, &EndpointError{Field: "Domain", Reason: "not an XMPP domain"}
	}
	res := ep.Resource
	if res == "" {
		// Two tabs with one resource would keep kicking each other
		// (conflict), so the default is unique per session.
		res = fmt.Sprintf("finesse-ha-%08x", rand.Uint32())
	}
	if a.origin, err = newAddress(ep.Username, a.domain.domain, res); err != nil {
		return a, &EndpointError{Field: "Username/Resource", Reason: "not a valid JID part"}
	}
	ps := ep.PubSubDomain
	if ps == "" {
		ps = "pubsub." + a.domain.domain
	}
	if a.pubsub, err = parseAddress(ps); err != nil {
		return a, &EndpointError{Field: "PubSubDomain", Reason: "not an XMPP domain"}
	}
	fu := ep.FinesseUser
	if fu == "" {
		fu = "finesse@" + a.domain.domain
	}
	if a.finesse, err = parseAddress(fu); err != nil {
		return a, &EndpointError{Field: "FinesseUser", Reason: "not a JID"}
	}
	a.finesse = a.finesse.bare()
	return a, nil
}

// Dial opens a BOSH session, authenticates with SASL PLAIN (password or SSO
// token), binds the resource, starts serving incoming stanzas and sends
// presence with priority 0. It returns once the server has reflected that
// presence, so pubsub events published afterwards are delivered. Bad
// credentials give an error matching ErrUnauthorized after one attempt.
func (d *BOSHDialer) Dial(ctx context.Context, ep Endpoint, l Listener) (Session, error) {
	if ep.BOSHURL == "" {
		return nil, &EndpointError{Field: "BOSHURL", Reason: "missing"}
	}
	a, err := resolve(ep)
	if err != nil {
		return nil, err
	}
	bs, err := bosh.Open(ctx, d.doer, bosh.Config{
		URL:           ep.BOSHURL,
		To:            a.domain.domain,
		Wait:          d.opts.Wait,
		RequestMargin: d.opts.RequestMargin,
		Attempts:      d.opts.Attempts,
		RetryBackoff:  d.opts.RetryBackoff,
		MaxBodySize:   d.opts.MaxBodySize,
	})
	if err != nil {
		var he *bosh.HTTPError
		if errors.As(err, &he) && he.Status == 503 {
			// A connection manager over its capacity: the same "retry in
			// a few seconds" as a REST 503, which the engine acts on.
			return nil, fmt.Errorf("notify: open BOSH session: %w (%w)", err, finesse.ErrOutOfService)
		}
		return nil, fmt.Errorf("notify: open BOSH session: %w", err)
	}
	return establish(ctx, newBOSHConn(bs, a.domain.domain, a.origin.String()), a, ep, d.opts, l)
}
