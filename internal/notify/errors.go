package notify

import (
	"errors"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// ErrUnauthorized is the cause of a Dial that failed SASL authentication
// for bad credentials (not-authorized, account-disabled,
// credentials-expired, invalid-authzid). It is finesse.ErrUnauthorized
// itself, so one errors.Is check covers a 401 from REST and a refused XMPP
// login alike. Never retry it: five failures lock the Finesse account for
// five minutes.
var ErrUnauthorized = finesse.ErrUnauthorized

// AuthError is a SASL failure. Is(ErrUnauthorized) is true unless the
// condition is temporary-auth-failure (a server-side problem worth a retry)
// or a protocol condition such as invalid-mechanism.
type AuthError struct {
	// Condition is the SASL failure condition, e.g. "not-authorized".
	Condition string
}

func (e *AuthError) Error() string { return "notify: authentication failed: " + e.Condition }

// Is reports whether the condition means bad credentials.
func (e *AuthError) Is(target error) bool {
	if target != ErrUnauthorized {
		return false
	}
	switch e.Condition {
	case "not-authorized", "account-disabled", "credentials-expired", "invalid-authzid":
		return true
	}
	return false
}

// LostError is what Listener.Lost receives: why an established session
// ended. Over BOSH, Cause is one of the bosh package's typed errors (a
// *bosh.TerminateError such as item-not-found or remote-stream-error with
// conflict, a *bosh.AttemptsError after the transport's retries), a
// *StreamError, or an I/O error from the XMPP layer. Over WebSocket, Cause
// matches (errors.As) a *ws.CloseError saying how the socket closed (code
// ws.CloseAbnormal, 1006, when the server vanished without a close frame)
// and, when the server ended the stream first, a *StreamError (e.g.
// system-shutdown) or ErrStreamClosed; its message names both.
type LostError struct {
	Cause error
}

func (e *LostError) Error() string {
	if e.Cause == nil {
		return "notify: session lost"
	}
	return "notify: session lost: " + e.Cause.Error()
}

func (e *LostError) Unwrap() error { return e.Cause }

// StreamError is an XMPP stream error (RFC 6120 §4.9) received inside the
// stream, e.g. conflict or system-shutdown.
type StreamError struct {
	Condition string
	Text      string
}

func (e *StreamError) Error() string { return withText("notify: stream error: ", e.Condition, e.Text) }

// withText is how stream and stanza errors print: the condition, then the
// server's text when it sent one.
func withText(prefix, condition, text string) string {
	if text != "" {
		return prefix + condition + ": " + text
	}
	return prefix + condition
}

// EndpointError names an Endpoint field that cannot be used.
type EndpointError struct {
	Field  string
	Reason string
}

func (e *EndpointError) Error() string { return "notify: endpoint " + e.Field + ": " + e.Reason }

// PayloadError is reported through Listener.Error for a pubsub item that is
// not a decodable Finesse <Update>; the session carries on. It names the
// node, never the payload (which may hold call data).
type PayloadError struct {
	Node string
	Err  error
}

func (e *PayloadError) Error() string {
	return "notify: undecodable notification on node " + e.Node + ": " + e.Err.Error()
}

func (e *PayloadError) Unwrap() error { return e.Err }

// ErrStreamClosed is part of the cause of a lost WebSocket session whose
// server ended the stream with <close/> and no stream error: the side went
// away in good order (e.g. an administrator's restart).
var ErrStreamClosed = errors.New("notify: the server closed the stream")

// ErrClosed is returned by Session methods after Close or loss.
var ErrClosed = errors.New("notify: session closed")

// StanzaError is an error answer to one of our requests (RFC 6120 §8.3),
// e.g. item-not-found for a Subscribe to a node that does not exist. The
// session carries on.
type StanzaError struct {
	Type      string // cancel, continue, modify, auth or wait
	Condition string
	Text      string
}

func (e *StanzaError) Error() string {
	return withText("notify: request refused: ", e.Condition, e.Text)
}
