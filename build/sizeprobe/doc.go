// Package sizeprobe holds two tiny js/wasm programs that are never
// shipped. make size builds them next to the real client so the report
// shows the floor the client's design allows: xmlonly decodes XML and
// prints, nethttptypes does the same and also builds an *http.Request and
// calls a Doer with SPEC §2's signature, Do(*http.Request)
// (*http.Response, error), without any HTTP client. The difference is what
// merely using net/http's types costs in a Go wasm binary (package inits
// of crypto/tls, crypto/x509 and the FIPS 140 module come with them).
package sizeprobe
