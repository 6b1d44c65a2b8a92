// Package httpx is the HTTP layer of SPEC §2: a one-method Doer over
// request and response types of our own. The REST client (internal/finesse)
// and BOSH (internal/bosh) speak to it; natively internal/httpx/nethttp
// adapts an *http.Client, in the browser wasm/jsfetch sends through fetch.
//
// It exists because the browser build must not import net/http: importing
// a package links its init and tables whether or not anything calls it,
// and net/http's types alone cost about 0.6 MB gzip (research/wasm-size.md).
//
// The error contract is net/http's RoundTripper's: a Doer returns an error
// only when no response arrived; any status, 4xx and 5xx included, is a
// Response with a nil error.
package httpx
