package finesse

import (
	"encoding/xml"
	"strings"

	"github.com/finesse-ha/finesse-ha/internal/xmlutil"
)

// ApiErrors is the XML error body of a failed REST request, and (as
// <apiErrors>) the data of an asynchronous CTI error notification.
//
// The name follows the wire element. Do not confuse it with *APIError, the Go
// error the Client returns, which carries these entries in its Errors field.
type ApiErrors struct {
	Errors []ApiError `xml:"ApiError"`
}

// ApiError is one <ApiError> entry. ErrorData may echo parts of a request,
// so it is kept out of error strings.
type ApiError struct {
	Type    string `xml:"ErrorType"`
	Message string `xml:"ErrorMessage"`
	Data    string `xml:"ErrorData"`
}

// ApiErrorData is the former name of ApiError in notification data.
type ApiErrorData = ApiError

// UnmarshalXML accepts both spellings Finesse uses: <ApiErrors><ApiError>
// in REST bodies and <apiErrors><apiError> in notifications.
func (e *ApiErrors) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	e.Errors = nil
	return xmlutil.EachChild(d, func(child xml.StartElement) error {
		if !strings.EqualFold(child.Name.Local, "ApiError") {
			return d.Skip()
		}
		var ae ApiError
		if err := d.DecodeElement(&ae, &child); err != nil {
			return err
		}
		e.Errors = append(e.Errors, ae)
		return nil
	})
}

// UnmarshalXML reads errorType/ErrorType etc. in either case.
func (e *ApiError) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	*e = ApiError{}
	return xmlutil.EachChild(d, func(child xml.StartElement) error {
		var dst *string
		switch strings.ToLower(child.Name.Local) {
		case "errortype":
			dst = &e.Type
		case "errormessage":
			dst = &e.Message
		case "errordata":
			dst = &e.Data
		default:
			return d.Skip()
		}
		return d.DecodeElement(dst, &child)
	})
}

// First returns the first entry, or a zero ApiError when there is none.
func (e *ApiErrors) First() ApiError {
	if e == nil || len(e.Errors) == 0 {
		return ApiError{}
	}
	return e.Errors[0]
}

// DecodeAPIErrors parses an ApiErrors document (root in either case).
func DecodeAPIErrors(data []byte) (*ApiErrors, error) {
	return decodeAPIErrorsLimit(data, MaxBodySize)
}

func decodeAPIErrorsLimit(data []byte, limit int64) (*ApiErrors, error) {
	var e ApiErrors
	if err := decodeRootLimit(data, "ApiErrors", &e, limit); err != nil {
		return nil, err
	}
	return &e, nil
}
