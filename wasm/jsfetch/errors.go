//go:build js && wasm

package jsfetch

import "errors"

// FetchError is fetch's own failure: no HTTP response came back at all.
// Browsers give the same opaque reason ("TypeError: Failed to fetch") for a
// refused connection, DNS failure, TLS failure, CORS refusal and mixed
// content, so Reason cannot say which; callers treat it as a transport error.
type FetchError struct {
	Reason string
}

func (e *FetchError) Error() string { return "fetch failed: " + e.Reason }

// ErrBodyClosed is what reading a response body returns after Close, like
// net/http's "read on closed response body".
var ErrBodyClosed = errors.New("jsfetch: read on closed response body")

var (
	errNilRequest = errors.New("jsfetch: nil request")
	errNilURL     = errors.New("jsfetch: request without URL")
	errBadURL     = errors.New("jsfetch: request URL does not parse")
	errUserinfo   = errors.New("jsfetch: URL with credentials (user:password@) refused; use the Authorization header")
	errNoCORS     = errors.New(`jsfetch: mode "no-cors" gives opaque responses and is not supported`)
)
