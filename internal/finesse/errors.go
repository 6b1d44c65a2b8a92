package finesse

import (
	"errors"
	"fmt"
	"strings"

	"github.com/finesse-ha/finesse-ha/internal/httpx"
)

// ErrorKind classifies a failed REST request by what the caller should do
// about it (see the sentinels below).
type ErrorKind uint8

const (
	KindInvalidRequest ErrorKind = iota + 1 // the call was refused before sending
	KindTransport                           // no HTTP response: refused, reset, timeout, context
	KindBadRequest                          // 400
	KindUnauthorized                        // 401
	KindForbidden                           // 403
	KindNotFound                            // 404
	KindOutOfService                        // 503
	KindServer                              // any other 5xx
	KindStatus                              // any other non-2xx status
	KindBodyTooLarge                        // a response body over the read limit
	KindDecode                              // a 2xx body that is not the expected object
)

var kindNames = [...]string{
	KindInvalidRequest: "invalid request",
	KindTransport:      "transport error",
	KindBadRequest:     "bad request",
	KindUnauthorized:   "unauthorized",
	KindForbidden:      "forbidden",
	KindNotFound:       "not found",
	KindOutOfService:   "out of service",
	KindServer:         "server error",
	KindStatus:         "unexpected status",
	KindBodyTooLarge:   "response body too large",
	KindDecode:         "malformed response",
}

func (k ErrorKind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("ErrorKind(%d)", uint8(k))
}

// Sentinels for errors.Is on any error the Client returns. Each matches the
// *APIError of the same kind.
var (
	// ErrInvalidRequest: a bad id, path, method or credential; nothing was sent.
	ErrInvalidRequest = errors.New("finesse: invalid request")
	// ErrTransport: no response (connection refused, reset, timeout, context
	// ended); the cause is wrapped, so errors.Is(err, context.Canceled) works.
	ErrTransport = errors.New("finesse: transport error")
	// ErrBadRequest: 400, e.g. an action not allowed in the current state.
	ErrBadRequest = errors.New("finesse: bad request")
	// ErrUnauthorized: 401. Never retry: five failures lock the account.
	ErrUnauthorized = errors.New("finesse: unauthorized")
	// ErrForbidden: 403, e.g. a configuration API against the secondary node.
	ErrForbidden = errors.New("finesse: forbidden")
	// ErrNotFound: 404, an unknown user or dialog.
	ErrNotFound = errors.New("finesse: not found")
	// ErrOutOfService: 503, the side is OUT_OF_SERVICE or PARTIAL_SERVICE
	// (e.g. during CTI failover); a retry after a few seconds may succeed.
	ErrOutOfService = errors.New("finesse: out of service")
	// ErrServer: any other 5xx, including a non-XML error page from a proxy.
	ErrServer = errors.New("finesse: server error")
	// ErrUnexpectedStatus: any other non-2xx status (3xx, 405, 409 ...).
	ErrUnexpectedStatus = errors.New("finesse: unexpected status")
)

var kindSentinels = [...]error{
	KindInvalidRequest: ErrInvalidRequest,
	KindTransport:      ErrTransport,
	KindBadRequest:     ErrBadRequest,
	KindUnauthorized:   ErrUnauthorized,
	KindForbidden:      ErrForbidden,
	KindNotFound:       ErrNotFound,
	KindOutOfService:   ErrOutOfService,
	KindServer:         ErrServer,
	KindStatus:         ErrUnexpectedStatus,
	KindBodyTooLarge:   ErrBodyTooLarge,
}

// APIError is every error the Client returns. It names the request by
// method and path (never the query, a header or a body) and carries the
// parsed ApiErrors body of the response, if there was one.
//
// Not to be confused with ApiError, one entry of that body.
type APIError struct {
	Kind      ErrorKind
	Status    int        // HTTP status; 0 when no response arrived
	Method    string     // e.g. "PUT"
	Path      string     // e.g. "/finesse/api/User/1001"
	Errors    []ApiError // the response's <ApiErrors>, when it had one
	RequestID string     // the requestId header sent, if any

	err    error  // cause: the Doer's error, a *DecodeError, ...
	detail string // cause text with any credential removed
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("finesse: ")
	if e.Method != "" || e.Path != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d ", e.Status)
	}
	b.WriteString(e.Kind.String())
	if len(e.Errors) > 0 {
		// Type and message are fixed vocabulary (SERVER_OUT_OF_SERVICE ...);
		// ErrorData may echo the request and stays out.
		first := e.Errors[0]
		msg := first.Message
		if msg == "" {
			msg = first.Type
		}
		if msg != "" {
			b.WriteString(": " + clip(msg, 160))
		}
	}
	if e.detail != "" {
		b.WriteString(": " + clip(e.detail, 400))
	}
	return b.String()
}

// Unwrap returns the cause: the Doer's error for KindTransport, the
// *DecodeError for KindDecode, nil otherwise.
func (e *APIError) Unwrap() error { return e.err }

// Is matches the sentinel of e's kind.
func (e *APIError) Is(target error) bool {
	return int(e.Kind) < len(kindSentinels) && kindSentinels[e.Kind] != nil && kindSentinels[e.Kind] == target
}

// Temporary reports errors worth retrying after a pause: no response, 503,
// or another 5xx (Finesse answers 500 while a lost CTI link is not yet
// detected). Whether a retry is safe (POST) is the caller's decision.
func (e *APIError) Temporary() bool {
	switch e.Kind {
	case KindTransport, KindOutOfService, KindServer:
		return true
	}
	return false
}

// kindOf maps a non-2xx status to its kind.
func kindOf(status int) ErrorKind {
	switch {
	case status == httpx.StatusBadRequest:
		return KindBadRequest
	case status == httpx.StatusUnauthorized:
		return KindUnauthorized
	case status == httpx.StatusForbidden:
		return KindForbidden
	case status == httpx.StatusNotFound:
		return KindNotFound
	case status == httpx.StatusServiceUnavailable:
		return KindOutOfService
	case status >= 500 && status <= 599:
		return KindServer
	default:
		return KindStatus
	}
}

// invalidf builds a KindInvalidRequest error with a message that must not
// contain secrets (callers pass names and ids only).
func invalidf(format string, args ...any) *APIError {
	return &APIError{Kind: KindInvalidRequest, detail: fmt.Sprintf(format, args...)}
}

// redact removes every secret from s.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}
