package failover

import (
	"context"
	"errors"
	"fmt"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// Sentinels callers can test with errors.Is. REST and notify adapters may
// wrap them to tell the engine what happened; the engine also recognises the
// finesse and notify packages' own sentinels where they exist.
var (
	// ErrUnauthorized: 401, or bad XMPP credentials. Never retried.
	ErrUnauthorized = errors.New("failover: unauthorized")
	// ErrOutOfService: 503, the side is OUT_OF_SERVICE or PARTIAL_SERVICE.
	ErrOutOfService = errors.New("failover: side out of service")
	// ErrTransport: the side could not be reached (refused, reset, DNS...).
	ErrTransport = errors.New("failover: transport failure")
	// ErrTimeout: no answer within the engine's time bound.
	ErrTimeout = errors.New("failover: timed out")
	// ErrClosed: the engine was closed.
	ErrClosed = errors.New("failover: engine closed")
	// ErrNotConnected: no side became usable within Policy.RequestWait, or
	// a POST could not be sent because of a failover and RetryPOST is off.
	ErrNotConnected = errors.New("failover: no usable side")
	// ErrRejected: the server refused the request (4xx/5xx other than 401
	// and 503) or answered it with an asynchronous apiErrors notification.
	ErrRejected = errors.New("failover: request rejected")
)

type errKind int

const (
	kindOther errKind = iota
	kindUnauthorized
	kindOutOfService
	kindTransport
	kindTimeout
	kindCanceled
	kindExpired
)

func (k errKind) String() string {
	switch k {
	case kindUnauthorized:
		return "unauthorized"
	case kindOutOfService:
		return "out-of-service"
	case kindTransport:
		return "transport"
	case kindTimeout:
		return "timeout"
	case kindCanceled:
		return "canceled"
	case kindExpired:
		return "token-expired"
	}
	return "error"
}

// sentinel returns the exported error a kind is reported as.
func (k errKind) sentinel() error {
	switch k {
	case kindUnauthorized:
		return ErrUnauthorized
	case kindOutOfService:
		return ErrOutOfService
	case kindTransport:
		return ErrTransport
	case kindTimeout:
		return ErrTimeout
	case kindCanceled:
		return context.Canceled
	case kindExpired:
		return ErrTokenExpired
	}
	return ErrRejected
}

// classify maps an error from REST, notify or a timeout context onto the
// few cases the engine acts on differently. It recognises this package's
// sentinels (for adapters and fakes) and internal/finesse's, which the REST
// client returns and notify reuses for SASL failures.
func classify(err error) errKind {
	switch {
	case err == nil:
		return kindOther
	case errors.Is(err, ErrTokenExpired):
		return kindExpired
	case errors.Is(err, ErrUnauthorized), errors.Is(err, finesse.ErrUnauthorized):
		return kindUnauthorized
	case errors.Is(err, ErrOutOfService), errors.Is(err, finesse.ErrOutOfService):
		return kindOutOfService
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return kindTimeout
	case errors.Is(err, ErrTransport), errors.Is(err, finesse.ErrTransport):
		return kindTransport
	case errors.Is(err, context.Canceled):
		return kindCanceled
	}
	return kindOther
}

// kindOfStatus classifies an HTTP status. Numbers, not net/http's
// constants: importing net/http would link its client into the wasm build.
func kindOfStatus(status int) errKind {
	switch status {
	case 401:
		return kindUnauthorized
	case 503:
		return kindOutOfService
	}
	return kindOther
}

// RequestError is what Engine.Request fails with. Its text is scrubbed of
// credentials; errors.Is matches the sentinel of its kind (ErrUnauthorized,
// ErrOutOfService, ErrTransport, ErrTimeout, ErrRejected, ErrNotConnected,
// ErrClosed).
type RequestError struct {
	Method    string
	Path      string
	RequestID string
	Status    int    // HTTP status when the server answered
	Side      string // "A" or "B" when a side was tried
	Msg       string // scrubbed description of the cause
	// Header and Body are the server's answer when it answered (Status
	// != 0): headers filtered as in Response.Header, the body scrubbed of
	// known credentials and as long as the REST client read it.
	Header map[string]string
	Body   string
	kind   error
}

func (e *RequestError) Error() string {
	s := fmt.Sprintf("failover: %s %s", e.Method, e.Path)
	if e.Status != 0 {
		s += fmt.Sprintf(": status %d", e.Status)
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

func (e *RequestError) Unwrap() error { return e.kind }
