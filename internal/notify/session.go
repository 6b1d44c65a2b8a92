// Package notify is the agent's Finesse event stream: an XMPP session over a
// notification transport (BOSH, XEP-0206; or WebSocket, RFC 7395, with
// NewFallbackDialer to try WebSocket first) that logs in, binds a resource,
// sends presence, keeps itself alive, and hands the failover engine decoded
// pubsub Updates, the `finesse` user's presence, and a lost signal.
//
// The engine consumes only the Dialer and Session interfaces below, so that
// scenario tests can drive it with fakes in virtual time.
//
// The XMPP stream layer is this package's own, on encoding/xml (stream.go,
// login.go, iq.go, address.go): mellium's xmpp.Session links crypto/tls's
// handshake into the browser build, and its jid package (which stanza and
// stream import) golang.org/x/text's PRECIS tables; together about 0.8 MB
// gzip (research/wasm-size.md). It is proven against Prosody and ejabberd
// over both transports (prosody_test.go, prosody_ws_test.go,
// ejabberd_test.go) and fuzzed (FuzzIncomingStream, FuzzAddress).
package notify

import (
	"context"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// Endpoint says where and as whom to open a session on one side.
type Endpoint struct {
	// BOSHURL is the side's http-bind URL, e.g. https://fin-a:7443/http-bind/.
	BOSHURL string
	// WebSocketURL is the side's RFC 7395 URL, e.g. wss://fin-a:8445/ws/.
	WebSocketURL string
	// Domain is the XMPP domain: SystemInfo's xmppDomain of this side.
	Domain string
	// PubSubDomain is SystemInfo's xmppPubSubDomain (pubsub.<Domain> if empty).
	PubSubDomain string
	// Username is the agent's loginId; Password is the Finesse password or,
	// for SSO agents, the bearer token. Neither may appear in errors or logs.
	Username string
	Password string
	// Resource is the XMPP resource to bind. "desktop" is refused: it belongs
	// to the Finesse desktop and binding it would kick the agent's desktop.
	Resource string
	// FinesseUser is the bare JID whose presence tells whether Finesse's
	// webapp is connected to the notification service; finesse@<Domain> if empty.
	FinesseUser string
}

// Listener receives what a session delivers, in order, from one goroutine.
// Implementations must not block for long: they are on the receive path.
// Update, FinessePresence and Error may be called before Dial returns (the
// finesse user's presence typically arrives right after the initial
// presence); Lost is only ever called for a session Dial has returned.
type Listener struct {
	// Update is called for every pubsub event item carrying a Finesse <Update>.
	Update func(*finesse.Update)
	// FinessePresence is called when the `finesse` user's presence becomes
	// available or unavailable.
	FinessePresence func(available bool)
	// Lost is called once when the session ends for any reason other than
	// Close; err says why (a *LostError naming the cause).
	Lost func(err error)
	// Error, if set, is told about problems that do not end the session,
	// e.g. a pubsub item whose payload is not a decodable <Update> (a
	// *PayloadError naming the node). Such items are skipped.
	Error func(err error)
}

// Session is one logged-in notification session on one side.
type Session interface {
	// Subscribe and Unsubscribe manage explicit subscriptions (nodes Finesse
	// does not subscribe automatically, e.g. /finesse/api/Team/{id}/Users).
	Subscribe(ctx context.Context, node string) error
	Unsubscribe(ctx context.Context, node string) error
	// Ping sends an XMPP ping (XEP-0199) and waits for the answer or ctx.
	// The engine drives keepalive on its own clock by calling it.
	Ping(ctx context.Context) error
	// Close ends the session cleanly; Lost is not called afterwards.
	Close() error
}

// Dialer opens sessions. Dial returns once the session is logged in, bound
// and has sent its initial presence, or fails with a typed error
// (ErrUnauthorized for bad credentials, which callers must never retry).
type Dialer interface {
	Dial(ctx context.Context, ep Endpoint, l Listener) (Session, error)
}
