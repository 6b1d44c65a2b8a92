package failover

import (
	"maps"
	"slices"

	"github.com/finesse-ha/finesse-ha/internal/httpx"
)

// hiddenHeaders never reach the page. Set-Cookie would hand the page the
// session cookie of a side (and it could replay it); the auth headers are
// not expected in a response, but a misconfigured proxy that echoes the
// request's would leak the Basic credentials.
var hiddenHeaders = map[string]bool{
	"Set-Cookie":          true,
	"Set-Cookie2":         true,
	"Authorization":       true,
	"Proxy-Authorization": true,
}

// responseHeader is what the page sees of a response's headers: one value
// per header (the first; Finesse sends none twice that a page needs), under
// the canonical name, so that "content-type" from fetch and "Content-Type"
// from net/http look the same, without hiddenHeaders, and with known
// secrets scrubbed from the values. nil when nothing is left.
func responseHeader(h map[string][]string, scrub func(string) string) map[string]string {
	var out map[string]string
	// Sorted, so that of two spellings of one name (possible in a map
	// filled by hand) the same one wins every time.
	for _, k := range slices.Sorted(maps.Keys(h)) {
		vs := h[k]
		name := httpx.CanonicalKey(k)
		if _, seen := out[name]; seen || len(vs) == 0 || hiddenHeaders[name] {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[name] = scrub(vs[0])
	}
	return out
}
