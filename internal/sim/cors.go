package sim

import "net/http"

// setCORS lets browser pages of any origin call the simulator, as a Finesse
// with its CORS allow-list (12.6) or Prosody's default BOSH CORS does. The
// origin is echoed (not "*") so credentialed requests work too; requestId is
// allowed as a request header and exposed as a response header, because the
// library correlates REST calls with events by it.
func setCORS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", "GET, PUT, POST, DELETE, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, requestId, Cache-Control, X-Requested-With")
	h.Set("Access-Control-Expose-Headers", "requestId")
	h.Set("Access-Control-Max-Age", "7200")
}

// isPreflight reports a CORS preflight (answered before auth and faults
// that concern the application, as a browser sends no credentials on it).
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions
}
