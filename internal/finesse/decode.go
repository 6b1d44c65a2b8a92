package finesse

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxBodySize bounds every body this package reads. Finesse objects are a few
// kilobytes; a Dialogs list with many call variables stays well below this.
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
		return fmt.Sprintf("finesse: decode %s: unexpected root element <%s>", e.Want, e.Got)
	case e.Err != nil:
		return fmt.Sprintf("finesse: decode %s: %v", e.Want, e.Err)
	default:
		return fmt.Sprintf("finesse: decode %s: failed", e.Want)
	}
}

func (e *DecodeError) Unwrap() error { return e.Err }

// ErrEmptyBody is the cause of a DecodeError for a body with no element at all.
var ErrEmptyBody = errors.New("empty body")

// ErrBodyTooLarge is the cause of a DecodeError for a body over MaxBodySize.
var ErrBodyTooLarge = errors.New("body exceeds size limit")

// decodeRoot decodes data into v, insisting that the root element is want
// (compared without regard to case, as finesse.js does for notification data).
func decodeRoot(data []byte, want string, v any) error {
	if len(data) > MaxBodySize {
		return &DecodeError{Want: want, Err: ErrBodyTooLarge}
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return &DecodeError{Want: want, Err: ErrEmptyBody}
		}
		if err != nil {
			return &DecodeError{Want: want, Err: err}
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !strings.EqualFold(start.Name.Local, want) {
			return &DecodeError{Want: want, Got: start.Name.Local}
		}
		if err := d.DecodeElement(v, &start); err != nil {
			return &DecodeError{Want: want, Got: start.Name.Local, Err: err}
		}
		return nil
	}
}
