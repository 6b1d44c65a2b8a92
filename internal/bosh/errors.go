package bosh

import (
	"errors"
	"fmt"
	"strings"

	"github.com/finesse-ha/finesse-ha/internal/xmlutil"
)

// Condition is a BOSH terminal binding condition (XEP-0124 §17.2). It is an
// error itself so that callers can write errors.Is(err, bosh.ItemNotFound)
// for any error that wraps a *TerminateError with that condition.
type Condition string

// The terminal binding conditions of XEP-0124 §17.2 and XEP-0206.
const (
	BadRequest             Condition = "bad-request"
	HostGone               Condition = "host-gone"
	HostUnknown            Condition = "host-unknown"
	ImproperAddressing     Condition = "improper-addressing"
	InternalServerError    Condition = "internal-server-error"
	ItemNotFound           Condition = "item-not-found"
	OtherRequest           Condition = "other-request"
	PolicyViolation        Condition = "policy-violation"
	RemoteConnectionFailed Condition = "remote-connection-failed"
	RemoteStreamError      Condition = "remote-stream-error"
	SeeOtherURI            Condition = "see-other-uri"
	SystemShutdown         Condition = "system-shutdown"
	UndefinedCondition     Condition = "undefined-condition"
)

func (c Condition) Error() string { return "bosh: " + string(c) }

// TerminateError is a terminal binding condition: the connection manager
// ended the session (type='terminate'), or answered with one of the legacy
// HTTP statuses that mean the same (400, 403, 404). The session is gone; a
// new one must be created.
type TerminateError struct {
	Condition Condition
	// HTTPStatus is set when the condition was derived from a legacy HTTP
	// status rather than a body.
	HTTPStatus int
	// StreamError is the XMPP stream error condition carried by
	// remote-stream-error, e.g. "conflict" when another session bound the
	// same resource, or "system-shutdown".
	StreamError string
	// Text is the human-readable text of the stream error, if any. It comes
	// from the server and never contains credentials.
	Text string
	// URI is the alternative address given with see-other-uri.
	URI string
}

func (e *TerminateError) Error() string {
	var b strings.Builder
	b.WriteString("bosh: session terminated")
	if e.Condition != "" {
		b.WriteString(": ")
		b.WriteString(string(e.Condition))
	}
	if e.StreamError != "" {
		b.WriteString(" (")
		b.WriteString(e.StreamError)
		if e.Text != "" {
			b.WriteString(": ")
			b.WriteString(e.Text)
		}
		b.WriteString(")")
	}
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, " [HTTP %d]", e.HTTPStatus)
	}
	return b.String()
}

// Is makes errors.Is(err, bosh.ItemNotFound) true for a TerminateError with
// that condition.
func (e *TerminateError) Is(target error) bool {
	c, ok := target.(Condition)
	return ok && c == e.Condition
}

// HTTPError is a response status that is neither 200 nor one of the legacy
// terminal statuses; the request is retransmitted.
type HTTPError struct {
	Status int
}

func (e *HTTPError) Error() string { return fmt.Sprintf("bosh: HTTP status %d", e.Status) }

// BodyError is a response that is not a usable BOSH body: not XML, not
// <body xmlns='http://jabber.org/protocol/httpbind'>, a creation response
// without sid, or too large. It never quotes the body, which may hold call
// data.
type BodyError struct {
	Err error
}

func (e *BodyError) Error() string { return "bosh: bad response body: " + e.Err.Error() }
func (e *BodyError) Unwrap() error { return e.Err }

// Causes wrapped by BodyError, besides xmlutil.ErrEmptyBody and
// xmlutil.ErrTrailingData.
var (
	ErrNotBody      = errors.New("root element is not a BOSH <body>")
	ErrNoSID        = errors.New("session creation response has no sid")
	ErrSIDMismatch  = errors.New("response sid differs from the session's")
	ErrBodyTooLarge = xmlutil.ErrBodyTooLarge
	ErrRecoverable  = errors.New("recoverable binding error (type='error')")
)

// AttemptsError reports a request that failed Attempts times in a row; the
// session is lost. Last is the cause of the final attempt.
type AttemptsError struct {
	Attempts int
	Last     error
}

func (e *AttemptsError) Error() string {
	return fmt.Sprintf("bosh: request failed %d times: %v", e.Attempts, e.Last)
}
func (e *AttemptsError) Unwrap() error { return e.Last }

// ErrClosed is returned by a session after Close.
var ErrClosed = errors.New("bosh: session closed")

// ConfigError names a Config field that is missing or invalid.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return "bosh: config " + e.Field + ": " + e.Reason }

// isTerminal says whether err ends the session at once instead of being
// retransmitted: the server said so, or retrying the same rid would only
// return the same oversized body.
func isTerminal(err error) bool {
	var te *TerminateError
	return errors.As(err, &te) || errors.Is(err, ErrBodyTooLarge)
}
