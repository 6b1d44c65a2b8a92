package bosh

import "net/http"

// Doer is the one HTTP method the session needs. *http.Client satisfies it
// natively; in the browser it is a fetch-based implementation. It must
// honour the request's context (cancel or deadline aborts the request).
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}
