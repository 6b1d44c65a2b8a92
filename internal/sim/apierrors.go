package sim

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/finesse-ha/finesse-ha/internal/finesse"
)

// apiError is a REST failure rendered as Finesse's ApiErrors body. data
// names the offending field or object, never a credential or a body.
type apiError struct {
	status int
	typ    string
	msg    string
	data   string
}

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

// Errors the middleware answers before a handler runs.
var (
	errOutOfService = &apiError{status: http.StatusServiceUnavailable, typ: "Service Unavailable", msg: "SERVER_OUT_OF_SERVICE"}
	errUnauthorized = &apiError{status: http.StatusUnauthorized, typ: "Authorization Failure", msg: "Invalid Authorization User Specified"}
)

func writeAPIError(w http.ResponseWriter, e *apiError) {
	var b strings.Builder
	b.WriteString(xml.Header)
	encodeAs(&b, "ApiErrors", finesse.ApiErrors{Errors: []finesse.ApiError{{Type: e.typ, Message: e.msg, Data: e.data}}})
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(e.status)
	_, _ = w.Write([]byte(b.String()))
}
