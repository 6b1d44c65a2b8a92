package finesse

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/finesse-ha/finesse-ha/internal/xmlutil"
)

// MaxBodySize bounds every body the Decode functions accept and is the
// Client's default read limit. Finesse objects are a few kilobytes; a Dialogs
// list with many call variables stays well below this.
const MaxBodySize = 1 << 20

// DecodeError reports XML that could not be turned into the wanted object.
// It never carries the body itself, which may hold customer call data.
type DecodeError struct {
	Want string // root element expected, e.g. "SystemInfo"
	Got  string // root element found, if any
	Err  error  // underlying cause
}

func (e *DecodeError) Error() string {
	switch {
	case e.Got != "" && !strings.EqualFold(e.Got, e.Want):
		return fmt.Sprintf("finesse: decode %s: unexpected root element <%s>", e.Want, clip(e.Got, 64))
	case e.Err != nil:
		// encoding/xml's syntax errors quote element and entity names, which
		// come from the body: keep them short.
		return fmt.Sprintf("finesse: decode %s: %s", e.Want, clip(e.Err.Error(), 160))
	default:
		return fmt.Sprintf("finesse: decode %s: failed", e.Want)
	}
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Causes of a DecodeError, usable with errors.Is.
var (
	// ErrEmptyBody: the body holds no element at all.
	ErrEmptyBody = xmlutil.ErrEmptyBody
	// ErrBodyTooLarge: the body is over the size limit.
	ErrBodyTooLarge = xmlutil.ErrBodyTooLarge
	// ErrNotXML: text outside any element, e.g. a plain-text error page.
	ErrNotXML = errors.New("not an XML document")
	// ErrTrailingData: a second element after the root, e.g. two documents
	// glued together; a well-formed Finesse body has exactly one.
	ErrTrailingData = xmlutil.ErrTrailingData
	// ErrJSONPayload: a notification carrying JSON, which later Finesse
	// releases publish on some nodes; this package decodes XML only.
	ErrJSONPayload = errors.New("JSON notification payload")
)

// decodeRoot decodes data into v, insisting that the root element is want
// (compared without regard to case, as finesse.js does for notification data).
func decodeRoot(data []byte, want string, v any) error {
	return decodeRootLimit(data, want, v, MaxBodySize)
}

// decodeRootLimit is decodeRoot with the caller's size limit: the Client has
// already bounded the body by its own, possibly larger, limit.
func decodeRootLimit(data []byte, want string, v any, limit int64) error {
	if limit > 0 && int64(len(data)) > limit {
		return &DecodeError{Want: want, Err: ErrBodyTooLarge}
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	start, err := firstElement(d)
	if err != nil {
		return &DecodeError{Want: want, Err: err}
	}
	if !strings.EqualFold(start.Name.Local, want) {
		return &DecodeError{Want: want, Got: start.Name.Local}
	}
	if err := d.DecodeElement(v, &start); err != nil {
		return &DecodeError{Want: want, Got: start.Name.Local, Err: err}
	}
	if err := xmlutil.ExpectEnd(d); err != nil {
		return &DecodeError{Want: want, Got: start.Name.Local, Err: err}
	}
	return nil
}

// firstElement skips the prolog (declaration, comments, doctype, white space)
// and returns the root element's start tag.
func firstElement(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return xml.StartElement{}, ErrEmptyBody
		}
		if err != nil {
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return xml.StartElement{}, ErrNotXML
			}
		}
	}
}

// clip keeps server-supplied text short in error strings, cutting on a
// rune boundary.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
