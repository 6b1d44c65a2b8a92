// Package bosh is a client for XEP-0124 (Bidirectional-streams Over
// Synchronous HTTP) with the XEP-0206 XMPP extensions, over the project's
// one-method HTTP Doer, so that the same code runs natively (with
// *http.Client) and in the browser (with a fetch-based Doer).
//
// A Session keeps exactly one empty request held by the connection manager
// so that the server can push stanzas at any time, sends queued elements in
// a second request (at most the server's `requests` limit are ever in
// flight), and hands the children of every response body to the caller in
// rid order, each re-encoded as a self-contained element that carries its
// own namespace declarations.
//
// Failure handling follows the XEP and Cisco's desktop library: a request
// that fails in transport (connection refused, reset, timeout, HTTP 5xx, a
// body that is not a BOSH body) is retransmitted with the same rid, up to
// Config.Attempts times with a short doubling backoff; after that, or at once
// on a terminal binding condition (type='terminate', HTTP 400/403/404), the
// session is lost and every call returns the typed cause. Each request times
// out after the negotiated wait plus Config.RequestMargin, so a server that
// silently stops answering is noticed without any clock of the caller's.
//
// The package never touches http.DefaultClient or http.Transport: the wasm
// build links it, and net/http's client would add megabytes to the binary.
package bosh
