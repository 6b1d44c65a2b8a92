package httpx

import (
	"context"
	"io"
)

// Methods and statuses the callers name.
const (
	MethodGet    = "GET"
	MethodPost   = "POST"
	MethodPut    = "PUT"
	MethodDelete = "DELETE"

	StatusOK                 = 200
	StatusBadRequest         = 400
	StatusUnauthorized       = 401
	StatusForbidden          = 403
	StatusNotFound           = 404
	StatusServiceUnavailable = 503
)

// Doer sends one request. It must honour req.Ctx (cancel or deadline
// aborts the exchange, body download included) and returns an error only
// when no response arrived: a non-2xx status is a Response, never an error.
// With a nil error the caller must close Response.Body.
type Doer interface {
	Do(req *Request) (*Response, error)
}

// Request is one HTTP request. Body is sent as is (nil: no body); the
// callers' payloads (REST XML, BOSH bodies) are small and complete, and
// browsers cannot stream request bodies over HTTP/1.1 anyway.
type Request struct {
	Ctx    context.Context
	Method string
	URL    string
	Header Header
	Body   []byte
}

// NewRequest returns a request with an empty Header.
func NewRequest(ctx context.Context, method, url string, body []byte) *Request {
	return &Request{Ctx: ctx, Method: method, URL: url, Header: Header{}, Body: body}
}

// Context returns req.Ctx, or context.Background when it is nil.
func (r *Request) Context() context.Context {
	if r.Ctx == nil {
		return context.Background()
	}
	return r.Ctx
}

// Response is what arrived for a Request. Body streams (BOSH long-polls
// and large REST bodies alike) and is never nil when Do returns it.
type Response struct {
	StatusCode int
	Status     string // e.g. "200 OK"
	Header     Header
	Body       io.ReadCloser
}

// NoBody is an empty Body, for responses that have none (204, 304).
var NoBody io.ReadCloser = noBody{}

type noBody struct{}

func (noBody) Read([]byte) (int, error) { return 0, io.EOF }
func (noBody) Close() error             { return nil }
