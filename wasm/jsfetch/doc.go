//go:build js && wasm

// Package jsfetch is the browser's HTTP Doer: it sends httpx.Request values
// through the WHATWG fetch API via github.com/hack-pad/safejs and returns
// httpx.Response values whose bodies stream.
//
// It exists so that the wasm build never links net/http. In js/wasm
// net/http's Transport also uses fetch, but it keeps its native fallback
// (dialer, TLS, HTTP/2) reachable, which costs about 8 MB raw and 1.5 MB
// brotli (research/go-wasm.md), and even net/http's types alone link about
// 0.6 MB gzip (research/wasm-size.md); this package imports neither.
//
// Behaviour, chosen to match what callers of *http.Client see natively so
// that the same REST and BOSH code runs on both:
//   - Errors are *url.Error values whose Err is the context's error when the
//     request's context ended, or a *FetchError when fetch itself failed
//     (network down, connection refused, CORS refusal, mixed content): the
//     browser deliberately reports all of those as one opaque TypeError.
//   - Non-2xx statuses are responses, not errors.
//   - The response body streams through the ReadableStream reader, so BOSH
//     long-polls and large bodies work and memory stays bounded.
//   - req.Context() governs the whole exchange, body included: cancel or
//     deadline aborts the fetch through an AbortController and the server
//     sees the connection close. Closing the body early aborts too.
//   - The request body is buffered (browsers cannot stream request bodies
//     over HTTP/1.1), which is fine for REST and BOSH payloads.
package jsfetch
