package bosh

import "github.com/finesse-ha/finesse-ha/internal/httpx"

// Doer is the one HTTP method the session needs: internal/httpx/nethttp
// natively, the fetch Doer in the browser. It must honour the request's
// context (cancel or deadline aborts the request).
type Doer = httpx.Doer
