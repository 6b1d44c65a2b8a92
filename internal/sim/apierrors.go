package sim

import (
	"encoding/xml"
	"net/http"
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

type apiErrorsDoc struct {
	XMLName xml.Name `xml:"ApiErrors"`
	Errors  []struct {
		Type    string `xml:"ErrorType"`
		Data    string `xml:"ErrorData"`
		Message string `xml:"ErrorMessage"`
	} `xml:"ApiError"`
}

// Errors the middleware answers before a handler runs.
var (
	errOutOfService = &apiError{status: http.StatusServiceUnavailable, typ: "Service Unavailable", msg: "SERVER_OUT_OF_SERVICE"}
	errUnauthorized = &apiError{status: http.StatusUnauthorized, typ: "Authorization Failure", msg: "Invalid Authorization User Specified"}
)

func writeAPIError(w http.ResponseWriter, e *apiError) {
	doc := apiErrorsDoc{}
	doc.Errors = append(doc.Errors, struct {
		Type    string `xml:"ErrorType"`
		Data    string `xml:"ErrorData"`
		Message string `xml:"ErrorMessage"`
	}{e.typ, e.data, e.msg})
	body, _ := xml.Marshal(doc) // a struct of strings always marshals
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(e.status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}
